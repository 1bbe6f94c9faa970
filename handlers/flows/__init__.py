"""One module per conversation flow; see handlers/flows.mmd for the state diagram."""
