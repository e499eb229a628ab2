//! Payload classes of the `content_authoring` subdomain: courses, blocks, libraries and the
//! other things authors build in Studio.
//!
//! Each struct is the Rust form of the upstream `attrs` class of the same name; the struct name
//! is the Avro record name and the field order is the wire order.

use events_core::keys::{
    CourseKey, LibraryCollectionLocator, LibraryContainerLocator, LibraryLocatorV2, LibraryUsageLocatorV2, UsageKey,
};
use events_core::prelude::*;

/// A course as authoring events refer to it: only its key.
///
/// Not the same record as the learning subdomain's `CourseData`, which also carries the
/// course's name and dates.
#[event_data]
pub struct CourseData {
    /// The course run's key, e.g. `course-v1:edX+DemoX+Demo_Course`.
    course_key: CourseKey,
}

/// The dates and pacing of a course run, as the course catalog shows them.
#[event_data]
pub struct CourseScheduleData {
    /// When the course run opens to learners.
    start: DateTime<Utc>,
    /// How the course is paced: `instructor` (fixed dates) or `self`.
    pacing: String,
    /// When the course run closes, if an end date is set.
    end: Option<DateTime<Utc>>,
    /// When enrollment opens, if a date is set.
    enrollment_start: Option<DateTime<Utc>>,
    /// When enrollment closes, if a date is set.
    enrollment_end: Option<DateTime<Utc>>,
}

/// What the course catalog needs to know about a course run: its key, name, schedule and
/// visibility.
#[event_data]
pub struct CourseCatalogData {
    /// The course run's key.
    course_key: CourseKey,
    /// The course run's display name.
    name: String,
    /// The course run's dates and pacing.
    schedule_data: CourseScheduleData,
    /// Whether the course run is hidden from catalog search.
    #[event_data(default)]
    hidden: bool,
    /// Whether learners need an invitation to enroll.
    #[event_data(default)]
    invitation_only: bool,
}

/// An XBlock (a unit of course content: a section, a problem, a video, …) in a course.
#[event_data]
pub struct XBlockData {
    /// The block's key, without branch or version information.
    usage_key: UsageKey,
    /// The block's type, e.g. `chapter`, `vertical` or `problem`.
    block_type: String,
    /// The block's key with branch and version information, naming the exact revision the
    /// event is about, when the sender knows it.
    version: Option<UsageKey>,
}

/// An XBlock that was made as a copy of another block, with the key of the original.
#[event_data]
pub struct DuplicatedXBlockData {
    /// The new block's key.
    usage_key: UsageKey,
    /// The block's type, e.g. `vertical` or `problem`.
    block_type: String,
    /// The new block's key with branch and version information, when the sender knows it.
    version: Option<UsageKey>,
    /// The key of the block that was copied.
    source_usage_key: UsageKey,
}

/// A person who signs a course certificate, as the certificate configuration lists them.
#[event_data]
pub struct CertificateSignatoryData {
    /// The signature image's file contents. Images can be large: keep them well under the size
    /// of an event bus message.
    image: Vec<u8>,
    /// The signatory's name.
    name: String,
    /// The organization the signatory represents.
    organization: String,
    /// The signatory's job title.
    title: String,
}

/// A course's certificate configuration as set in Studio: what kind of certificate it issues,
/// its title and who signs it.
#[event_data]
pub struct CertificateConfigData {
    /// The course mode the certificate is for, e.g. `verified`, `professional`, `credit` or
    /// `masters`.
    certificate_type: String,
    /// The course run the configuration belongs to.
    course_key: CourseKey,
    /// The title printed on the certificate.
    title: String,
    /// The people who sign the certificate.
    #[event_data(default)]
    signatories: Vec<CertificateSignatoryData>,
    /// Whether the configuration is active (certificates are issued from it).
    #[event_data(default)]
    is_active: bool,
}

/// A content library (v2, learning-core based).
#[event_data]
pub struct ContentLibraryData {
    /// The library's key, e.g. `lib:edX:demo-library`.
    library_key: LibraryLocatorV2,
    /// Deprecated: whether the search index of every block in the library should be rebuilt.
    /// Senders now send one event per changed item instead.
    #[event_data(default)]
    update_blocks: bool,
}

/// A block (component) in a content library.
#[event_data]
pub struct LibraryBlockData {
    /// The key of the library that holds the block.
    library_key: LibraryLocatorV2,
    /// The block's key in the library, e.g. `lb:edX:demo-library:problem:p1`.
    usage_key: LibraryUsageLocatorV2,
}

/// A piece of content (a course block or library item) identified by its id as text.
#[event_data]
pub struct ContentObjectData {
    /// The content's key as text, e.g. a `block-v1:…` usage key or a `lb:…` library block key.
    object_id: String,
}

/// A piece of content whose associations (tags, collections, …) changed, with the kinds of
/// association that changed.
#[event_data]
pub struct ContentObjectChangedData {
    /// The content's key as text, e.g. a `block-v1:…` usage key or a `lb:…` library block key.
    object_id: String,
    /// The kinds of association that changed, e.g. `tags` or `collections`; empty means any of
    /// them may have changed.
    #[event_data(default)]
    changes: Vec<String>,
}

/// A collection: a named group of items within a content library.
#[event_data]
pub struct LibraryCollectionData {
    /// The collection's key, e.g. `lib-collection:edX:demo-library:my-collection`.
    collection_key: LibraryCollectionLocator,
    /// Deprecated: whether the sender asked receivers to do their work in the background. Send
    /// the event from an asynchronous task instead when many receivers would be slow.
    #[event_data(default)]
    background: bool,
}

/// A container in a content library: a unit, subsection or section grouping other items.
#[event_data]
pub struct LibraryContainerData {
    /// The container's key, e.g. `lct:edX:demo-library:unit:my-unit`.
    container_key: LibraryContainerLocator,
    /// Deprecated: whether the sender asked receivers to do their work in the background. Send
    /// the event from an asynchronous task instead when many receivers would be slow.
    #[event_data(default)]
    background: bool,
}
