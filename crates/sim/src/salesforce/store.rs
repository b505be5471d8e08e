//! The Salesforce emulator's store: the org [`State`] in a
//! [`crate::persist::Store`], which keeps it behind a lock and in the
//! optional `--state` file across restarts. Write helpers roll back their
//! undo log on error, so a failed write leaves the org as it found it.

pub use crate::persist::Saver;

use super::state::State;
use crate::persist::Persistent;

pub type Store = crate::persist::Store<State>;

impl Persistent for State {
    const FORMAT: &'static str = "deskshift-sim-salesforce-state";
    const VERSION: u32 = 1;
    const KEEPER: &'static str = "Salesforce emulator";

    fn reindex(&mut self) {
        State::reindex(self)
    }
}
