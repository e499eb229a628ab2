//! What an operator asks about a topic: its partitions and their offsets, how far a consumer
//! group is behind on each, who is in the group, and how many dead letters wait.

use std::time::Duration;

use events_core::bus::dead_letter_topic;
use rdkafka::consumer::{BaseConsumer, Consumer};
use rdkafka::{Offset, TopicPartitionList};

use crate::error::KafkaBusError;
use crate::options::KafkaOptions;

/// How long one metadata or offset request may take.
const TIMEOUT: Duration = Duration::from_secs(10);

/// Answers an operator's questions about Kafka topics and consumer groups.
pub struct KafkaAdmin {
    client: BaseConsumer,
    options: KafkaOptions,
}

/// One partition of a topic, and a group's position in it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PartitionStatus {
    /// The partition.
    pub partition: i32,
    /// The offset of its oldest message still kept.
    pub low: i64,
    /// The offset the next message will get (the high watermark).
    pub high: i64,
    /// The group's committed offset: the next message it reads; `None` when it committed none.
    pub committed: Option<i64>,
    /// Messages kept and not yet read by the group: `high - committed`, or `high - low` when
    /// it committed nothing (what it would read with `--check-backlog`).
    pub lag: Option<i64>,
}

/// A member of a consumer group.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct GroupMember {
    /// The member id the coordinator gave it.
    pub id: String,
    /// Its `client.id`.
    pub client_id: String,
    /// Its host, as the broker saw it.
    pub host: String,
}

/// A topic, with a group's view of it if asked.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TopicStatus {
    /// The topic, with its prefix.
    pub topic: String,
    /// Whether the topic exists.
    pub exists: bool,
    /// Its partitions.
    pub partitions: Vec<PartitionStatus>,
    /// Messages kept in the topic: the sum of `high - low`.
    pub messages: i64,
    /// The dead-letter topic.
    pub dead_letter_topic: String,
    /// Messages kept in it; `None` when it does not exist.
    pub dead_letters: Option<i64>,
    /// The group asked about, its state (`Stable`, `Empty`, …) and members.
    pub group: Option<(String, String, Vec<GroupMember>)>,
}

impl TopicStatus {
    /// The group's lag summed over the partitions.
    pub fn lag(&self) -> Option<i64> {
        self.partitions.iter().map(|partition| partition.lag).sum()
    }
}

impl KafkaAdmin {
    /// An admin client of the cluster of `options`.
    pub fn new(options: &KafkaOptions) -> Result<Self, KafkaBusError> {
        // A consumer that never subscribes: the client that can read watermarks and a
        // group's committed offsets. Its own group id is never used to join.
        let client = options
            .client_config(&[("group.id", "openedx-events-admin"), ("enable.auto.commit", "false")])
            .create()
            .map_err(|error| KafkaBusError::kafka(format!("connecting to {}", options.bootstrap_servers()), error))?;
        Ok(KafkaAdmin {
            client,
            options: options.clone(),
        })
    }

    /// The brokers asked.
    pub fn bootstrap_servers(&self) -> &str {
        self.options.bootstrap_servers()
    }

    /// The status of `topic`, and of `group` on it if given.
    pub fn status(&self, topic: &str, group: Option<&str>) -> Result<TopicStatus, KafkaBusError> {
        let partitions = self.partitions(topic)?;
        let exists = partitions.is_some();
        let mut statuses = Vec::new();
        for partition in partitions.unwrap_or_default() {
            let (low, high) = self
                .client
                .fetch_watermarks(topic, partition, TIMEOUT)
                .map_err(|error| KafkaBusError::kafka(format!("reading the offsets of {topic}/{partition}"), error))?;
            statuses.push(PartitionStatus {
                partition,
                low,
                high,
                committed: None,
                lag: None,
            });
        }
        let mut group_status = None;
        if let Some(group) = group {
            self.committed(topic, group, &mut statuses)?;
            group_status = Some(self.group(group)?);
        }
        let dead_letter_topic = dead_letter_topic(topic);
        let dead_letters = match self.partitions(&dead_letter_topic)? {
            Some(partitions) => {
                let mut count = 0;
                for partition in partitions {
                    let (low, high) = self
                        .client
                        .fetch_watermarks(&dead_letter_topic, partition, TIMEOUT)
                        .map_err(|error| {
                            KafkaBusError::kafka(format!("reading the offsets of {dead_letter_topic}"), error)
                        })?;
                    count += high - low;
                }
                Some(count)
            }
            None => None,
        };
        Ok(TopicStatus {
            topic: topic.to_owned(),
            exists,
            messages: statuses.iter().map(|partition| partition.high - partition.low).sum(),
            partitions: statuses,
            dead_letter_topic,
            dead_letters,
            group: group_status,
        })
    }

    /// The partitions of `topic`, or `None` when it does not exist.
    fn partitions(&self, topic: &str) -> Result<Option<Vec<i32>>, KafkaBusError> {
        let metadata = self
            .client
            .fetch_metadata(Some(topic), TIMEOUT)
            .map_err(|error| KafkaBusError::kafka(format!("reading the metadata of {topic}"), error))?;
        let Some(found) = metadata.topics().iter().find(|found| found.name() == topic) else {
            return Ok(None);
        };
        if found.error().is_some() || found.partitions().is_empty() {
            return Ok(None);
        }
        let mut partitions: Vec<i32> = found.partitions().iter().map(|partition| partition.id()).collect();
        partitions.sort_unstable();
        Ok(Some(partitions))
    }

    /// Fills in `group`'s committed offsets and lag on each partition.
    fn committed(&self, topic: &str, group: &str, partitions: &mut [PartitionStatus]) -> Result<(), KafkaBusError> {
        if partitions.is_empty() {
            return Ok(());
        }
        let mut query = TopicPartitionList::new();
        for partition in partitions.iter() {
            query.add_partition(topic, partition.partition);
        }
        // The committed offsets of another group than the client's own: asked with a client
        // of that group, which never joins it (no subscribe), so its members are undisturbed.
        let of_group: BaseConsumer = self
            .options
            .client_config(&[("group.id", group), ("enable.auto.commit", "false")])
            .create()
            .map_err(|error| KafkaBusError::kafka(format!("asking for the offsets of group {group}"), error))?;
        let committed = of_group.committed_offsets(query, TIMEOUT).map_err(|error| {
            KafkaBusError::kafka(format!("reading the offsets group {group} committed on {topic}"), error)
        })?;
        for element in committed.elements() {
            let Some(status) = partitions
                .iter_mut()
                .find(|status| status.partition == element.partition())
            else {
                continue;
            };
            status.committed = match element.offset() {
                Offset::Offset(offset) => Some(offset),
                _ => None,
            };
            status.lag = Some(match status.committed {
                Some(committed) => (status.high - committed.max(status.low)).max(0),
                None => status.high - status.low,
            });
        }
        Ok(())
    }

    /// `group`'s state and members.
    fn group(&self, group: &str) -> Result<(String, String, Vec<GroupMember>), KafkaBusError> {
        let list = self
            .client
            .fetch_group_list(Some(group), TIMEOUT)
            .map_err(|error| KafkaBusError::kafka(format!("describing group {group}"), error))?;
        let Some(found) = list.groups().iter().find(|found| found.name() == group) else {
            return Ok((group.to_owned(), "Unknown".to_owned(), Vec::new()));
        };
        let members = found
            .members()
            .iter()
            .map(|member| GroupMember {
                id: member.id().to_owned(),
                client_id: member.client_id().to_owned(),
                host: member.client_host().to_owned(),
            })
            .collect();
        Ok((group.to_owned(), found.state().to_owned(), members))
    }
}

impl std::fmt::Debug for KafkaAdmin {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("KafkaAdmin")
            .field("bootstrap_servers", &self.options.bootstrap_servers())
            .finish_non_exhaustive()
    }
}
