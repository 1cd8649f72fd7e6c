"""Planning courier rounds: days planned in the background, days asked for, the customer's answer."""
