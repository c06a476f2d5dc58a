"""Campaign rules without a framework: schedules, planning, retry/pause policy, rendering."""
