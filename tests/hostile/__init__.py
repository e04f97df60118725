"""Test helpers for the hardening suite: hostile servers, a fake proxy, nasty inputs, the secret sweep.

- `hostile.server`: a loopback-only raw HTTP(S) server whose answers are scripted per request (malformed
  SOAP, entity expansion, huge streamed bodies, resets, silence, redirect loops) and a proxy that answers 407.
- `hostile.corpus`: real-world nasty values for every parser of user input.
- `hostile.keys`: service-account key files and OAuth client files pointing wherever a test needs.
- `hostile.cli`: run `ec_console.cli.main` in-process with a time bound, and measure peak memory.
- `hostile.sweep`: search folders and captured text for secrets in every encoding a careless log carries.

Every server binds 127.0.0.1 only and joins every thread it starts when stopped.
"""
