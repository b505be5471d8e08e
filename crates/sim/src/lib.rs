//! Local emulators that stand in for the real services in tests and `demo`.
