"""The sandbox's Exchange side: EWS and SOAP autodiscover (`ews`), NTLM (`ntlm`), and `ewsclient`, which lets
tests drive the sandbox with exchangelib while trusting its CA for one protocol only."""
