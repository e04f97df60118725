"""Providers: the code that speaks to one platform (DESIGN.md, "Layers").

Given settings and a secret, a provider runs a connectivity check (a `Report`), enumerates the accounts in
scope and probes one account's calendar. Providers know nothing of storage or UI, never print, and never
import Qt. `exchange` speaks EWS (on-premises and Exchange Online); `net` holds the dns / tcp / tls probes
any provider can reuse.
"""
