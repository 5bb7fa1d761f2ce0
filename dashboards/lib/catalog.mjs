// @ts-check
// The one list of metric names Vigil documents. Dashboards, recording/alert rules and docs/operations.md
// are checked against it, so a renamed metric breaks a test instead of silently emptying a panel.

/**
 * @typedef {'gauge' | 'counter' | 'histogram'} MetricType
 * @typedef {{ name: string, type: MetricType, labels: readonly string[], help: string }} MetricDoc
 * @typedef {{ id: string, title: string, source: string, metrics: readonly MetricDoc[] }} MetricGroup
 */

/** @type {(name: string, type: MetricType, labels: readonly string[], help: string) => MetricDoc} */
const m = (name, type, labels, help) => ({ name, type, labels, help });

const HOST = ['agent', 'host'];
const FS = [...HOST, 'mountpoint', 'device', 'fstype'];
const DISK = [...HOST, 'device'];
const NET = [...HOST, 'interface'];
const PROBE = [...HOST, 'probe', 'type', 'target'];
const SLA = ['service', 'window'];
const CAPACITY = [...HOST, 'resource', 'mountpoint'];
const INCIDENT = ['severity', 'service'];

/** @type {readonly MetricGroup[]} */
export const METRIC_GROUPS = [
  {
    id: 'host',
    title: 'Fleet host metrics',
    source: "collector /metrics: the latest sample of each agent's host metrics, labelled with agent and host",
    metrics: [
      m('vigil_cpu_utilization_ratio', 'gauge', HOST, 'Share of CPU time not idle, 0-1, across all CPUs.'),
      m('vigil_cpu_mode_ratio', 'gauge', [...HOST, 'mode'], 'Share of CPU time per mode (user, system, iowait, ...), 0-1.'),
      m('vigil_cpus', 'gauge', HOST, 'Logical CPUs.'),
      m('vigil_load1', 'gauge', HOST, 'Load average over 1 minute.'),
      m('vigil_load5', 'gauge', HOST, 'Load average over 5 minutes.'),
      m('vigil_load15', 'gauge', HOST, 'Load average over 15 minutes.'),
      m('vigil_memory_total_bytes', 'gauge', HOST, 'Physical memory.'),
      m('vigil_memory_available_bytes', 'gauge', HOST, 'Memory available for new work without swapping.'),
      m('vigil_memory_used_bytes', 'gauge', HOST, 'Memory in use (total - available).'),
      m('vigil_memory_used_ratio', 'gauge', HOST, 'Memory in use, 0-1.'),
      m('vigil_swap_total_bytes', 'gauge', HOST, 'Swap space.'),
      m('vigil_swap_used_bytes', 'gauge', HOST, 'Swap in use.'),
      m('vigil_swap_used_ratio', 'gauge', HOST, 'Swap in use, 0-1 (0 without swap).'),
      m('vigil_filesystem_size_bytes', 'gauge', FS, 'Filesystem size.'),
      m('vigil_filesystem_used_bytes', 'gauge', FS, 'Filesystem bytes used.'),
      m('vigil_filesystem_free_bytes', 'gauge', FS, 'Filesystem bytes available to unprivileged users.'),
      m('vigil_filesystem_used_ratio', 'gauge', FS, 'Filesystem used, 0-1.'),
      m('vigil_filesystem_inodes', 'gauge', FS, 'Inodes (0 on filesystems without a fixed inode table).'),
      m('vigil_filesystem_inodes_free', 'gauge', FS, 'Free inodes.'),
      m('vigil_disk_read_bytes_total', 'counter', DISK, 'Bytes read from the block device.'),
      m('vigil_disk_written_bytes_total', 'counter', DISK, 'Bytes written to the block device.'),
      m('vigil_disk_reads_completed_total', 'counter', DISK, 'Read operations completed.'),
      m('vigil_disk_writes_completed_total', 'counter', DISK, 'Write operations completed.'),
      m('vigil_disk_io_time_seconds_total', 'counter', DISK, 'Time the device was busy; its rate is the utilisation, 0-1.'),
      m('vigil_network_receive_bytes_total', 'counter', NET, 'Bytes received.'),
      m('vigil_network_transmit_bytes_total', 'counter', NET, 'Bytes transmitted.'),
      m('vigil_network_receive_packets_total', 'counter', NET, 'Packets received.'),
      m('vigil_network_transmit_packets_total', 'counter', NET, 'Packets transmitted.'),
      m('vigil_network_receive_errors_total', 'counter', NET, 'Receive errors.'),
      m('vigil_network_transmit_errors_total', 'counter', NET, 'Transmit errors.'),
      m('vigil_network_receive_drop_total', 'counter', NET, 'Received packets dropped.'),
      m('vigil_network_transmit_drop_total', 'counter', NET, 'Transmitted packets dropped.'),
      m('vigil_uptime_seconds', 'gauge', HOST, 'Seconds since the host booted.'),
      m('vigil_boot_time_seconds', 'gauge', HOST, 'Boot time, Unix seconds.'),
      m('vigil_agent_up', 'gauge', HOST, '1 while the agent holds a stream to the collector (with several collectors on one PostgreSQL: to any of them, as of their last write of its last seen), 0 once it disconnected.'),
      m('vigil_agent_last_seen_timestamp_seconds', 'gauge', HOST, 'When the collector last heard from the agent, Unix seconds.'),
    ],
  },
  {
    id: 'probe',
    title: 'Probe results',
    source: 'collector /metrics: the latest result of each probe an agent runs',
    metrics: [
      m('vigil_probe_success', 'gauge', PROBE, '1 when the last probe run succeeded, else 0.'),
      m('vigil_probe_duration_seconds', 'gauge', PROBE, 'Duration of the last probe run.'),
      m('vigil_probe_http_status_code', 'gauge', PROBE, 'HTTP status of the last HTTP probe run (0 without a response).'),
      m('vigil_probe_tls_cert_expiry_timestamp_seconds', 'gauge', PROBE, 'notAfter of the leaf certificate presented to a TLS probe, Unix seconds.'),
      m('vigil_probe_tls_cert_remaining_seconds', 'gauge', PROBE, 'Seconds until that certificate expires (negative once expired).'),
      m('vigil_probe_process_count', 'gauge', PROBE, 'Processes matching a process probe.'),
      m('vigil_probe_dns_answers', 'gauge', PROBE, 'Records in the answer to a DNS probe.'),
    ],
  },
  {
    id: 'agent',
    title: 'Agent self-monitoring',
    source: 'collector /metrics: the latest self-monitoring sample of each agent',
    metrics: [
      m('vigil_agent_spool_pending_batches', 'gauge', HOST, 'Batches in the agent spool not yet acknowledged.'),
      m('vigil_agent_spool_dropped_batches_total', 'counter', [...HOST, 'reason'], 'Batches the agent dropped, by reason.'),
      m('vigil_agent_rejected_samples_total', 'counter', [...HOST, 'reason'], 'Samples the collector rejected, by reason, as the agent counted them.'),
      m('vigil_agent_rejections_total', 'counter', [...HOST, 'reason'], 'Rejection messages the agent received from the collector, by reason.'),
      m('vigil_agent_spool_errors_total', 'counter', [...HOST, 'reason'], 'Failed spool I/O operations (lower-case errno or other); the agent delivers from memory meanwhile.'),
      m('vigil_agent_skipped_ticks_total', 'counter', HOST, 'Sampling ticks skipped because the previous one was still running.'),
      m('vigil_agent_collector_failovers_total', 'counter', HOST, 'Connections of the agent to another collector endpoint than the previous one.'),
      m('vigil_agent_collector_info', 'gauge', [...HOST, 'collector', 'address'], 'Always 1: the collector endpoint the agent streams to, as configured and as dialed.'),
      m('vigil_agent_resident_memory_bytes', 'gauge', HOST, 'Resident memory of the agent process.'),
      m('vigil_agent_cpu_seconds_total', 'counter', HOST, 'CPU time of the agent process.'),
    ],
  },
  {
    id: 'scrape',
    title: 'Agent scraping (scrape:, textfile_dir:)',
    source: 'collector /metrics: the latest scrape-health sample of each agent',
    metrics: [
      m('vigil_scrape_up', 'gauge', [...HOST, 'target'], '1 when the last scrape of the target succeeded, 0 otherwise.'),
      m('vigil_scrape_duration_seconds', 'gauge', [...HOST, 'target'], 'Duration of the last scrape of the target.'),
      m('vigil_scrape_series', 'gauge', [...HOST, 'target'], 'Series kept from the last scrape of the target.'),
      m('vigil_scrape_rejected_series_total', 'counter', [...HOST, 'target', 'reason'], 'Scraped series the agent refused, by reason (reserved_name, invalid_series, non_finite_value, duplicate_series, max_series).'),
      m('vigil_textfile_scrape_error', 'gauge', [...HOST, 'file'], '1 when a textfile could not be read or parsed.'),
      m('vigil_textfile_mtime_seconds', 'gauge', [...HOST, 'file'], 'Modification time of a textfile, Unix seconds.'),
    ],
  },
  {
    id: 'collector',
    title: 'Collector self-monitoring',
    source: 'collector /metrics: ingest, storage and connection health',
    metrics: [
      m('vigil_ingest_samples_total', 'counter', [], 'Samples stored.'),
      m('vigil_ingest_batches_total', 'counter', ['outcome'], 'Batches received, by outcome (stored, duplicate, rejected).'),
      m('vigil_ingest_rejected_samples_total', 'counter', ['reason'], 'Samples rejected, by reason.'),
      m('vigil_ingest_rejected_streams_total', 'counter', ['reason'], 'Agent streams refused or ended by the collector, by reason.'),
      m('vigil_ingest_ack_latency_seconds', 'histogram', [], 'Time from receiving a batch to acknowledging it.'),
      m('vigil_receiver_requests_total', 'counter', ['receiver', 'code'], 'Requests to the remote-write (receiver=remote_write) and OTLP (otlp) receivers, by HTTP status code.'),
      m('vigil_receiver_samples_total', 'counter', ['receiver'], 'Samples the receivers stored.'),
      m('vigil_receiver_samples_dropped_total', 'counter', ['receiver', 'reason'], 'Samples or points not stored, by reason: duplicate (at or before the newest stored sample of its series), stale_marker, unsupported_point (delta, exponential histogram), and the validation reasons of ingest.'),
      m('vigil_agents_connected', 'gauge', [], 'Agents holding a stream now.'),
      m('vigil_storage_write_duration_seconds', 'histogram', [], 'Duration of one storage commit.'),
      m('vigil_storage_queued_samples', 'gauge', [], 'Samples received and waiting for a group commit.'),
      m('vigil_storage_log_samples', 'gauge', [], 'Samples committed to the log and not yet compacted into chunks; near the log bound writers are slowed (acks come later).'),
    ],
  },
  {
    id: 'process',
    title: 'Collector process (prom-client defaults, prefix vigil_collector_)',
    source: 'collector /metrics: prom-client default metrics; only the ones the dashboards and rules use are listed',
    metrics: [
      m('vigil_collector_process_cpu_seconds_total', 'counter', [], 'CPU time of the collector process.'),
      m('vigil_collector_process_resident_memory_bytes', 'gauge', [], 'Resident memory of the collector process.'),
      m('vigil_collector_process_open_fds', 'gauge', [], 'Open file descriptors.'),
      m('vigil_collector_process_max_fds', 'gauge', [], 'File descriptor limit.'),
      m('vigil_collector_process_start_time_seconds', 'gauge', [], 'Process start time, Unix seconds.'),
      m('vigil_collector_nodejs_heap_size_used_bytes', 'gauge', [], 'V8 heap in use.'),
      m('vigil_collector_nodejs_eventloop_lag_p99_seconds', 'gauge', [], '99th percentile of event loop lag.'),
    ],
  },
  {
    id: 'sla',
    title: 'SLA',
    source: 'collector /metrics: SLA evaluation of the configured services',
    metrics: [
      m('vigil_sla_objective_ratio', 'gauge', ['service'], 'Availability objective of the service, 0-1.'),
      m('vigil_sla_availability_ratio', 'gauge', SLA, 'Availability over the window, service hours and maintenance applied, 0-1.'),
      m('vigil_sla_error_budget_remaining_ratio', 'gauge', SLA, 'Share of the error budget left over the window (negative when overspent).'),
      m('vigil_sla_burn_rate', 'gauge', SLA, 'Error budget burn rate over the window (1 = spending exactly the budget).'),
      m('vigil_sla_latency_attainment_ratio', 'gauge', SLA, 'Share of measurements within the latency objective, 0-1.'),
      m('vigil_sla_unknown_seconds', 'gauge', SLA, 'Time of the window without data.'),
      m('vigil_sla_coverage_ratio', 'gauge', SLA, 'Measured minutes over counted minutes elapsed in the window, 0-1.'),
      m('vigil_sla_status', 'gauge', [...SLA, 'status'], '1 on the current verdict of the window: met, breached or insufficient_data.'),
      m('vigil_sla_downtime_seconds', 'gauge', [...SLA, 'kind'], 'Downtime over the window, by kind.'),
      m('vigil_sla_burn_alert_firing', 'gauge', ['service', 'severity', 'long_window', 'short_window'], '1 while a multi-window burn-rate condition (sla.burn_alerts) holds.'),
    ],
  },
  {
    id: 'capacity',
    title: 'Capacity forecasts',
    source: 'collector /metrics: forecasts per host resource',
    metrics: [
      m('vigil_capacity_exhaustion_seconds', 'gauge', CAPACITY, 'Forecast seconds until the resource is full.'),
      m('vigil_capacity_forecast_value', 'gauge', CAPACITY, 'Forecast utilisation at the forecast horizon.'),
      m('vigil_capacity_growth_per_day', 'gauge', CAPACITY, 'Forecast growth of utilisation per day.'),
      m('vigil_capacity_utilization_ratio', 'gauge', CAPACITY, 'Current utilisation used by the forecast, 0-1.'),
    ],
  },
  {
    id: 'incidents',
    title: 'Incidents, changes and notifications (ISO/IEC 20000 KPIs)',
    source: 'collector /metrics: incident and change management',
    metrics: [
      m('vigil_incidents_open', 'gauge', INCIDENT, 'Incidents open now.'),
      m('vigil_incidents_opened_total', 'counter', INCIDENT, 'Incidents opened.'),
      m('vigil_incident_time_to_acknowledge_seconds', 'histogram', INCIDENT, 'Time from opening to acknowledgement.'),
      m('vigil_incident_time_to_resolve_seconds', 'histogram', INCIDENT, 'Time from opening to resolution.'),
      m('vigil_changes_total', 'counter', ['outcome'], 'Changes recorded, by outcome.'),
      m('vigil_changes_causing_incidents_total', 'counter', [], 'Changes linked to an incident they caused.'),
      m('vigil_notifications_total', 'counter', ['notifier', 'outcome'], 'Notifications attempted, by notifier and outcome.'),
    ],
  },
  {
    id: 'internals',
    title: 'Collector internals',
    source: 'collector /metrics: background work of the SLA, rollup, incident and live-feed engines',
    metrics: [
      m('vigil_sla_evaluation_duration_seconds', 'gauge', [], 'Duration of the last evaluation of all SLAs.'),
      m('vigil_sla_samples_deferred_total', 'counter', ['reason'], 'Probe results folded in by re-reading raw samples, by reason.'),
      m('vigil_sla_flush_failures_total', 'counter', [], 'Failed writes of SLA minute states (retried).'),
      m('vigil_sla_rebuild_failures_total', 'counter', [], 'Failed re-reads of SLA minutes from raw samples (retried).'),
      m('vigil_rollup_pending_buckets', 'gauge', [], 'Rollup buckets aggregated in memory, not yet written.'),
      m('vigil_rollup_recompute_queue', 'gauge', [], 'Series waiting for a recompute of their rollups.'),
      m('vigil_rollup_written_buckets_total', 'counter', ['tier'], 'Rollup buckets merged into the stored tiers (1m, 1h).'),
      m('vigil_rollup_deferred_samples_total', 'counter', ['reason'], 'Samples left to a recompute from raw samples, by reason.'),
      m('vigil_rollup_recomputes_total', 'counter', ['reason'], 'Recomputes of a series from raw samples, by reason.'),
      m('vigil_rollup_errors_total', 'counter', ['reason'], 'Rollup work that failed or was dropped, by reason.'),
      m('vigil_rollup_listener_cpu_seconds_total', 'counter', [], 'CPU time the rollups spent in the ingest listener.'),
      m('vigil_retention_deleted_total', 'counter', ['tier'], 'Samples (raw) and buckets (1m, 1h) deleted by retention.'),
      m('vigil_rule_evaluations_total', 'counter', [], 'Incident rule evaluations (one rule applied to one sample or signal).'),
      m('vigil_rule_evaluation_seconds_total', 'counter', [], 'Time spent evaluating incident rules on the ingest path.'),
      m('vigil_incident_transitions_dropped_total', 'counter', ['reason'], 'Rule transitions not applied, by reason.'),
      m('vigil_notification_outbox_pending', 'gauge', [], 'Notifications waiting in the outbox.'),
      m('vigil_live_clients', 'gauge', [], 'Connected live-feed WebSocket clients.'),
      m('vigil_live_messages_dropped_total', 'counter', ['reason'], 'Live-feed messages not sent, by reason.'),
      m('vigil_leader', 'gauge', ['replica'], '1 while this collector runs the leader-only loops (several collectors on PostgreSQL), else 0.'),
      m('vigil_leader_changes_total', 'counter', ['replica'], 'Times this collector became the leader or stepped down.'),
    ],
  },
  {
    id: 'remote-write',
    title: 'Remote write',
    source: 'collector /metrics: one `target` per `remote_write` entry (its name, or its url)',
    metrics: [
      m('vigil_remote_write_sent_samples_total', 'counter', ['target'], 'Samples the target acknowledged (2xx).'),
      m('vigil_remote_write_failed_samples_total', 'counter', ['target', 'reason'], 'Samples of attempts that failed and are retried with backoff, by reason (http_5xx, http_429, network, timeout, credentials).'),
      m('vigil_remote_write_dropped_samples_total', 'counter', ['target', 'reason'], 'Stored samples the target will never get, by reason (rejected: other 4xx; out_of_order; backlog_full; unknown_series).'),
      m('vigil_remote_write_pending_samples', 'gauge', ['target'], 'Stored samples the target has not acknowledged yet.'),
      m('vigil_remote_write_lag_seconds', 'gauge', ['target'], 'Time since the oldest unacknowledged sample was stored (its commit); 0 when caught up.'),
      m('vigil_remote_write_request_duration_seconds', 'histogram', ['target'], 'Duration of remote-write requests, whatever their answer.'),
    ],
  },
  {
    id: 'prometheus',
    title: 'Added by Prometheus',
    source: 'Prometheus, per scrape target',
    metrics: [m('up', 'gauge', ['job', 'instance'], '1 when the last scrape of the target succeeded.')],
  },
];

/** @type {readonly MetricDoc[]} */
export const METRICS = METRIC_GROUPS.flatMap((group) => group.metrics);

/** The series names a metric exposes: histograms expose _bucket, _sum and _count. */
export function seriesNamesOf(/** @type {MetricDoc} */ metric) {
  return metric.type === 'histogram' ? [`${metric.name}_bucket`, `${metric.name}_sum`, `${metric.name}_count`] : [metric.name];
}

/** Every series name a PromQL expression may reference. */
export const DOCUMENTED_SERIES = new Set(METRICS.flatMap(seriesNamesOf));

/** Looks a series name up, resolving histogram suffixes to their metric. */
export function metricOfSeries(/** @type {string} */ series) {
  return METRICS.find((metric) => seriesNamesOf(metric).includes(series));
}

/** The metric reference of docs/operations.md (between the metrics:begin/end markers), rendered from this catalog. */
export function metricsMarkdown() {
  const out = [];
  for (const group of METRIC_GROUPS) {
    out.push(`#### ${group.title}`, '', `Source: ${group.source}.`, '', '| Metric | Type | Labels | Meaning |', '| --- | --- | --- | --- |');
    for (const metric of group.metrics) {
      const labels = metric.labels.length ? metric.labels.map((l) => `\`${l}\``).join(', ') : '-';
      out.push(`| \`${metric.name}\` | ${metric.type} | ${labels} | ${metric.help} |`);
    }
    out.push('');
  }
  return out.join('\n');
}
