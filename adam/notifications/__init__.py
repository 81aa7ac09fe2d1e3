"""In-app notifications: what the overlap check tells the focal points of the other projects, read in their inbox."""
