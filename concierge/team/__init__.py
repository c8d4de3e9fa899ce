"""The team: operators and their rota, coordinators, dashboard users, team editing."""
