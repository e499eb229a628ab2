// The key field partitions an event on the bus; an unserializable event never goes there.
use events_core::prelude::*;

/// Grading callbacks, which hold a live handle and cannot be serialized.
pub struct GraderHandle;

/// Emitted when an external grader returns a score.
#[open_edx_event(
    type = "org.openedx.learning.external_grader.score.submitted.v1",
    unserializable = "the payload holds a live grader handle",
    key_field = "score.submission_id",
)]
pub struct ExternalGraderScoreSubmitted {
    /// The score.
    score: std::sync::Arc<GraderHandle>,
}

fn main() {}
