"""FaultMaven Auth Service (enterprise edition): users, JWT sessions, teams, team SSO settings."""
