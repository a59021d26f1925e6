"""File contents for the gateway to the national axis (egov-gateway), a machine client: it fetches the
bytes of outgoing documents' files by digest and stores the attachments of received packages, which a
later incoming copy adopts by digest. Nothing else is created here."""
