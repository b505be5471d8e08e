//! The Gorgias emulator's store: the account [`State`] in a
//! [`crate::persist::Store`], which keeps it behind a lock and in the
//! optional `--state` file across restarts.

pub mod model;
pub mod state;

pub use crate::persist::Saver;
pub use state::{Origin, State};

use crate::persist::Persistent;

pub type Store = crate::persist::Store<State>;

impl Persistent for State {
    const FORMAT: &'static str = "deskshift-sim-gorgias-state";
    const VERSION: u32 = 1;
    const KEEPER: &'static str = "Gorgias emulator";

    fn reindex(&mut self) {
        State::reindex(self)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::gorgias::errors::ApiError;

    #[test]
    fn saves_and_loads_the_same_state() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("state.json");
        assert!(Store::load(&path).unwrap().is_none());
        let store = Store::new(State::new("acme", "api@acme.test"), Some(path.clone()));
        store
            .write(|s| {
                s.next_ticket_id();
                Ok::<_, ApiError>(())
            })
            .unwrap();
        store.save_if_behind().unwrap();
        let loaded = Store::load(&path).unwrap().unwrap();
        assert_eq!(loaded.sequences, store.read(|s| s.sequences.clone()));
    }
}
