"""hipviz in a web browser: the offline handout page and the classroom server (no Qt)."""
