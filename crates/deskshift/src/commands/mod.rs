//! One module per subcommand: parse arguments → open the project → call the
//! core → print. No business logic lives here.

pub mod delta;
pub mod demo;
pub mod discover;
pub mod init;
pub mod map;
pub mod migrate;
pub mod plan;
pub mod prepare;
pub mod report;
pub mod rollback;
pub mod session;
pub mod sim;
pub mod status;
pub mod verify;
