//! Events of the `content_authoring` subdomain.

use events_core::prelude::*;

use super::data::{
    CertificateConfigData, ContentLibraryData, ContentObjectChangedData, ContentObjectData, CourseCatalogData,
    CourseData, DuplicatedXBlockData, LibraryBlockData, LibraryCollectionData, LibraryContainerData, XBlockData,
};

/// Sent by Studio when a course run changes in a way that matters to the course catalog, such
/// as its name, dates, pacing or visibility.
#[open_edx_event(
    type = "org.openedx.content_authoring.course.catalog_info.changed.v1",
    key_field = "catalog_info.course_key",
    trigger_repository = "openedx/edx-platform"
)]
pub struct CourseCatalogInfoChanged {
    /// The course run's catalog information after the change.
    catalog_info: CourseCatalogData,
}

/// Sent by Studio when a new XBlock is added to a course.
#[open_edx_event(
    type = "org.openedx.content_authoring.xblock.created.v1",
    key_field = "xblock_info.usage_key",
    trigger_repository = "openedx/edx-platform"
)]
pub struct XblockCreated {
    /// The new block.
    xblock_info: XBlockData,
}

/// Sent by Studio when an XBlock's draft is saved with changes.
#[open_edx_event(
    type = "org.openedx.content_authoring.xblock.updated.v1",
    key_field = "xblock_info.usage_key",
    trigger_repository = "openedx/edx-platform"
)]
pub struct XblockUpdated {
    /// The changed block.
    xblock_info: XBlockData,
}

/// Sent by Studio when an XBlock is published, making its changes visible to learners.
///
/// Publishing a parent publishes its changed children with it, and only one event is sent,
/// for the parent: publishing a section with several changed units sends a single event whose
/// block is the section (`block_type` `chapter`).
#[open_edx_event(
    type = "org.openedx.content_authoring.xblock.published.v1",
    key_field = "xblock_info.usage_key",
    trigger_repository = "openedx/edx-platform"
)]
pub struct XblockPublished {
    /// The block that was published (the top-most one when a subtree is published).
    xblock_info: XBlockData,
}

/// Sent by Studio when an XBlock is removed from a course.
#[open_edx_event(
    type = "org.openedx.content_authoring.xblock.deleted.v1",
    key_field = "xblock_info.usage_key",
    trigger_repository = "openedx/edx-platform"
)]
pub struct XblockDeleted {
    /// The block that was removed.
    xblock_info: XBlockData,
}

/// Sent by Studio when an author duplicates an XBlock, creating a copy next to the original.
#[open_edx_event(
    type = "org.openedx.content_authoring.xblock.duplicated.v1",
    key_field = "xblock_info.usage_key",
    trigger_repository = "openedx/edx-platform"
)]
pub struct XblockDuplicated {
    /// The new copy, with the key of the block it was copied from.
    xblock_info: DuplicatedXBlockData,
}

/// Meant to be sent by Studio when a course's certificate configuration is created or changed.
#[open_edx_event(
    type = "org.openedx.content_authoring.course.certificate_config.changed.v1",
    warning = "No Open edX service sends this event today; whether it stays is discussed in \
               https://github.com/openedx/openedx-events/issues/445.",
    unserializable = "openedx-events publishes no Avro schema for it: the signatories carry image files \
                      (BinaryIO upstream) inside a list of records, which its Avro serializer cannot express, \
                      so there is no wire format to be compatible with."
)]
pub struct CourseCertificateConfigChanged {
    /// The certificate configuration after the change.
    certificate_config: CertificateConfigData,
}

/// Meant to be sent by Studio when a course's certificate configuration is deleted.
#[open_edx_event(
    type = "org.openedx.content_authoring.course.certificate_config.deleted.v1",
    warning = "No Open edX service sends this event today; whether it stays is discussed in \
               https://github.com/openedx/openedx-events/issues/445.",
    unserializable = "openedx-events publishes no Avro schema for it: the signatories carry image files \
                      (BinaryIO upstream) inside a list of records, which its Avro serializer cannot express, \
                      so there is no wire format to be compatible with."
)]
pub struct CourseCertificateConfigDeleted {
    /// The certificate configuration that was deleted.
    certificate_config: CertificateConfigData,
}

/// Sent by Studio when a new course run is created.
#[open_edx_event(
    type = "org.openedx.content_authoring.course.created.v1",
    trigger_repository = "openedx/edx-platform"
)]
pub struct CourseCreated {
    /// The new course run.
    course: CourseData,
}

/// Sent by Studio when a new content library is created.
#[open_edx_event(
    type = "org.openedx.content_authoring.content_library.created.v1",
    trigger_repository = "openedx/edx-platform"
)]
pub struct ContentLibraryCreated {
    /// The new library.
    content_library: ContentLibraryData,
}

/// Sent by Studio when a content library's own settings change, such as its title.
///
/// Changes to the items inside the library do not send it, even though they change when the
/// library was last updated or published; the `LIBRARY_BLOCK_*`, `LIBRARY_COLLECTION_*` and
/// `LIBRARY_CONTAINER_*` events report those.
#[open_edx_event(
    type = "org.openedx.content_authoring.content_library.updated.v1",
    trigger_repository = "openedx/edx-platform"
)]
pub struct ContentLibraryUpdated {
    /// The library that changed.
    content_library: ContentLibraryData,
}

/// Sent by Studio when a content library is deleted.
#[open_edx_event(
    type = "org.openedx.content_authoring.content_library.deleted.v1",
    trigger_repository = "openedx/edx-platform"
)]
pub struct ContentLibraryDeleted {
    /// The library that was deleted.
    content_library: ContentLibraryData,
}

/// Sent by Studio when a new block (component) is added to a content library.
#[open_edx_event(
    type = "org.openedx.content_authoring.library_block.created.v1",
    trigger_repository = "openedx/edx-platform"
)]
pub struct LibraryBlockCreated {
    /// The new block.
    library_block: LibraryBlockData,
}

/// Sent by Studio when the draft of a library block changes.
#[open_edx_event(
    type = "org.openedx.content_authoring.library_block.updated.v1",
    trigger_repository = "openedx/edx-platform"
)]
pub struct LibraryBlockUpdated {
    /// The block whose draft changed.
    library_block: LibraryBlockData,
}

/// Sent by Studio when the draft of a library block is deleted.
#[open_edx_event(
    type = "org.openedx.content_authoring.library_block.deleted.v1",
    trigger_repository = "openedx/edx-platform"
)]
pub struct LibraryBlockDeleted {
    /// The block whose draft was deleted.
    library_block: LibraryBlockData,
}

/// Sent by Studio when a library block's draft is published, including when the published
/// change is the block's deletion.
#[open_edx_event(
    type = "org.openedx.content_authoring.library_block.published.v1",
    trigger_repository = "openedx/edx-platform"
)]
pub struct LibraryBlockPublished {
    /// The block that was published.
    library_block: LibraryBlockData,
}

/// Sent by Studio when the associations of a piece of content change, such as the tags on it
/// or the collections it belongs to.
#[open_edx_event(
    type = "org.openedx.content_authoring.content.object.associations.changed.v1",
    trigger_repository = "openedx/edx-platform"
)]
pub struct ContentObjectAssociationsChanged {
    /// The content and the kinds of association that changed.
    content_object: ContentObjectChangedData,
}

/// Sent when the tags on a piece of content change.
#[open_edx_event(
    type = "org.openedx.content_authoring.content.object.tags.changed.v1",
    warning = "Deprecated: subscribe to CONTENT_OBJECT_ASSOCIATIONS_CHANGED, which reports tag changes \
               (with `tags` in its `changes` list) along with the other kinds of association."
)]
pub struct ContentObjectTagsChanged {
    /// The content whose tags changed.
    content_object: ContentObjectData,
}

/// Sent by Studio when a new collection is created in a content library.
#[open_edx_event(
    type = "org.openedx.content_authoring.content_library.collection.created.v1",
    name = "LIBRARY_COLLECTION_CREATED",
    trigger_repository = "openedx/edx-platform"
)]
pub struct LibraryCollectionCreated {
    /// The new collection.
    library_collection: LibraryCollectionData,
}

/// Sent by Studio when a library collection changes, such as its title, description or the
/// items in it.
#[open_edx_event(
    type = "org.openedx.content_authoring.content_library.collection.updated.v1",
    name = "LIBRARY_COLLECTION_UPDATED",
    trigger_repository = "openedx/edx-platform"
)]
pub struct LibraryCollectionUpdated {
    /// The collection that changed.
    library_collection: LibraryCollectionData,
}

/// Sent by Studio when a collection is deleted from a content library.
#[open_edx_event(
    type = "org.openedx.content_authoring.content_library.collection.deleted.v1",
    name = "LIBRARY_COLLECTION_DELETED",
    trigger_repository = "openedx/edx-platform"
)]
pub struct LibraryCollectionDeleted {
    /// The collection that was deleted.
    library_collection: LibraryCollectionData,
}

/// Sent by Studio when a new container (unit, subsection or section) is created in a content
/// library.
#[open_edx_event(
    type = "org.openedx.content_authoring.content_library.container.created.v1",
    name = "LIBRARY_CONTAINER_CREATED",
    trigger_repository = "openedx/edx-platform"
)]
pub struct LibraryContainerCreated {
    /// The new container.
    library_container: LibraryContainerData,
}

/// Sent by Studio when the draft of a library container changes, such as its title or the
/// items it holds.
#[open_edx_event(
    type = "org.openedx.content_authoring.content_library.container.updated.v1",
    name = "LIBRARY_CONTAINER_UPDATED",
    trigger_repository = "openedx/edx-platform"
)]
pub struct LibraryContainerUpdated {
    /// The container that changed.
    library_container: LibraryContainerData,
}

/// Sent by Studio when a container is deleted from a content library.
#[open_edx_event(
    type = "org.openedx.content_authoring.content_library.container.deleted.v1",
    name = "LIBRARY_CONTAINER_DELETED",
    trigger_repository = "openedx/edx-platform"
)]
pub struct LibraryContainerDeleted {
    /// The container that was deleted.
    library_container: LibraryContainerData,
}

/// Sent by Studio when a library container's draft is published, including when the published
/// change is the container's deletion.
#[open_edx_event(
    type = "org.openedx.content_authoring.content_library.container.published.v1",
    name = "LIBRARY_CONTAINER_PUBLISHED",
    trigger_repository = "openedx/edx-platform"
)]
pub struct LibraryContainerPublished {
    /// The container that was published.
    library_container: LibraryContainerData,
}

/// Sent by Studio once a course import (an uploaded course archive loaded into a course run)
/// has finished.
// Upstream annotates the key field as `catalog_info.course_key`, a data key this event does
// not have (it was copied from COURSE_CATALOG_INFO_CHANGED); the course key lives at
// `course.course_key`, which is the field upstream meant.
#[open_edx_event(
    type = "org.openedx.content_authoring.course.import.completed.v1",
    key_field = "course.course_key",
    trigger_repository = "openedx/edx-platform"
)]
pub struct CourseImportCompleted {
    /// The course run the archive was imported into.
    course: CourseData,
}

/// Sent by Studio once a course rerun (a new run copied from an existing one) has been
/// created.
// Upstream annotates the key field as `catalog_info.course_key`, a data key this event does
// not have (it was copied from COURSE_CATALOG_INFO_CHANGED); the course key lives at
// `course.course_key`, which is the field upstream meant.
#[open_edx_event(
    type = "org.openedx.content_authoring.course.rerun.completed.v1",
    key_field = "course.course_key",
    trigger_repository = "openedx/edx-platform"
)]
pub struct CourseRerunCompleted {
    /// The new course run.
    course: CourseData,
}
