"""Channels other than email: any Apprise URL (ntfy, Matrix, Mastodon, Slack, a JSON webhook…)."""
