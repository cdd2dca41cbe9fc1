"""What the simulated phone shows: view nodes, the window stack, the launcher and the apps."""
