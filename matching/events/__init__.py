"""Events (*prettig gesprek*): invitations, the table planner, saving plans and attendance."""
