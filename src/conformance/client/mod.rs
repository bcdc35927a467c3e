//! The scripted server a client under test connects to (being built).
