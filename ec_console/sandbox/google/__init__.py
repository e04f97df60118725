"""The sandbox's Google Workspace side (`sandbox.GoogleSandbox`): its organisation (`org`), state, token
endpoint, APIs, batches and administrator sign-in (`oauth`). See docs/sandbox-google.md."""
