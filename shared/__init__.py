"""newsflow's common package: contracts, topic registry, settings and the Kafka/Elasticsearch edges."""
