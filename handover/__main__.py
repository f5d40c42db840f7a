from handover.cli import main

main()
