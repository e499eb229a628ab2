//! Which event bus `produce` and `consume` talk to: Redis Streams, or Kafka with its schema
//! registry, from the flags and the upstream settings in the environment.

use std::sync::Arc;

use clap::Args;
use events_bus_kafka::{KafkaOptions, KafkaSettings, SchemaRegistry};
use events_bus_redis::RedisOptions;

use super::CliError;

/// The broker flags shared by `produce` and `consume`.
#[derive(Debug, Args)]
pub(crate) struct BrokerArgs {
    /// The Redis server, e.g. redis://127.0.0.1:6379/0.
    #[arg(long, env = "EVENT_BUS_REDIS_CONNECTION_URL", hide_env_values = true)]
    redis_url: Option<String>,
    /// Use Kafka at these brokers (host:port[,host:port…]) instead of Redis [default:
    /// EVENT_BUS_KAFKA_BOOTSTRAP_SERVERS when no Redis URL is given]. SASL PLAIN over SSL comes
    /// from EVENT_BUS_KAFKA_API_KEY and _SECRET.
    #[arg(long, value_name = "SERVERS")]
    kafka_bootstrap_servers: Option<String>,
    /// The Kafka bus's schema registry [default: EVENT_BUS_KAFKA_SCHEMA_REGISTRY_URL]; basic
    /// auth from EVENT_BUS_KAFKA_SCHEMA_REGISTRY_API_KEY and _SECRET.
    #[arg(long, value_name = "URL")]
    schema_registry_url: Option<String>,
}

/// The event bus a command uses.
pub(crate) enum Broker {
    /// Redis Streams.
    Redis(RedisOptions),
    /// Kafka and its schema registry.
    Kafka {
        options: KafkaOptions,
        registry: Arc<SchemaRegistry>,
        settings: KafkaSettings,
    },
}

impl BrokerArgs {
    /// The broker the flags and the environment name: Kafka when its bootstrap servers are
    /// given (or set in the environment without a Redis URL), else Redis.
    pub(crate) fn broker(&self) -> Result<Broker, CliError> {
        let settings = KafkaSettings::from_env()?;
        let servers = match (&self.kafka_bootstrap_servers, &self.redis_url) {
            (Some(servers), _) => Some(servers.clone()),
            (None, None) => settings.bootstrap_servers.clone(),
            (None, Some(_)) => None,
        };
        if let Some(servers) = servers {
            let registry_url = self
                .schema_registry_url
                .clone()
                .or_else(|| settings.schema_registry_url.clone())
                .ok_or("the Kafka bus needs a schema registry: give --schema-registry-url or set EVENT_BUS_KAFKA_SCHEMA_REGISTRY_URL")?;
            let mut registry = SchemaRegistry::new(&registry_url)?;
            if let Some((key, secret)) = &settings.schema_registry_auth {
                registry = registry.with_basic_auth(key, secret);
            }
            let options = KafkaOptions::from_settings(&KafkaSettings {
                bootstrap_servers: Some(servers),
                ..settings.clone()
            })
            .ok_or("no Kafka bootstrap servers")?;
            return Ok(Broker::Kafka {
                options,
                registry: Arc::new(registry),
                settings,
            });
        }
        match &self.redis_url {
            Some(url) => Ok(Broker::Redis(RedisOptions::new(url)?)),
            None => Err("no event bus: give --redis-url (or set EVENT_BUS_REDIS_CONNECTION_URL), or --kafka-bootstrap-servers (or set EVENT_BUS_KAFKA_BOOTSTRAP_SERVERS)".into()),
        }
    }
}
