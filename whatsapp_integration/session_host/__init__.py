"""The WhatsApp Web session host: one long-running process per site that owns every browser
(Selenium drivers, their pool and processes, the session supervisor) and serves commands that
web requests and workers send it over Redis (`protocol`, `client`)."""
