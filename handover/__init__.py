"""handover: runs the procedure of handing over a departing salesperson's customers."""
