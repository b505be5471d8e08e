//! The field map (`deskshift map`): where every Stames field lands in the
//! destination, with a transform from a small closed library, a confidence,
//! a reason and who decided it.
//!
//! ```text
//! apply       the confirmed map applied to values (writers and plan)
//! mapped      Mapped: a destination value with a note of what it lost
//! model       FieldMap, MapRow, Target, ValueType, Origin, value maps
//! transform   the transform library (closed, documented in docs/mapping.md)
//! file        mapping.toml: written for people, read with line-and-key errors
//! propose     the proposal: built-in rows, types from values, reuse by name
//! assist      optional model assist behind the ChatModel trait (no HTTP here)
//! validate    `map confirm`'s check of the whole map
//! confirmation the gate, the ledger record of a confirmation, and `map diff`
//! catalog     what a destination holds and accepts (built by the destination)
//! ```
//!
//! The core never names a destination: what a destination holds and accepts
//! comes in as a [`catalog::Catalog`] through
//! [`crate::destination::Destination::catalog`].

pub mod apply;
pub mod assist;
pub mod catalog;
pub mod confirmation;
pub mod file;
pub mod lineage;
pub mod mapped;
pub mod model;
pub mod propose;
pub mod transform;
pub mod validate;

pub use apply::{
    land_custom_value, map_value, no_row_reason, skip_reason, ConversionError, Converted, Landing,
    UnmappedValue,
};
pub use catalog::{
    Catalog, CatalogField, CatalogObject, CustomLanding, Enumeration, SourceEnumeration,
    StandardRow, Suggestion,
};
pub use file::{parse, render, FileNotes, Locations, MapFileError, Problem, RowLines};
pub use mapped::Mapped;
pub use model::{
    kind_of, value_map, Confidence, CustomSource, FieldMap, FieldRef, MapRow, Origin, Target,
    ValueMap, ValueMapEntry, ValueType, CUSTOM_PREFIX, FORMAT, WHOLE_RECORD,
};
pub use transform::Transform;
pub use validate::validate;
