// @ts-check
// The five Vigil dashboards. Every expression uses only metric names from catalog.mjs (checked by
// dashboards.spec.ts) and is run against a real Prometheus by e2e/prometheus-dashboards.spec.ts.
import {
  HIGH_IS_BAD, LOW_IS_BAD, bargauge, columnOverride, dashboard, labelVariable, mergedTable, query, stat, table, timeseries,
} from './grafana.mjs';

const RATE = '$__rate_interval';
const hostVar = (/** @type {boolean} */ multi) => labelVariable('host', 'Host', 'label_values(vigil_agent_up, host)', { multi });
const instant = (/** @type {string} */ expr, legend = '') => query(expr, legend, { instant: true });
const tableQuery = (/** @type {string} */ expr) => query(expr, '', { instant: true, table: true });
/** Table cell coloured by thresholds. */
const colored = (/** @type {string} */ column, /** @type {string} */ unit, /** @type {import('./grafana.mjs').Step[]} */ steps) =>
  columnOverride(column, { unit, thresholds: { mode: 'absolute', steps: steps.map(([color, value]) => ({ color, value })) }, 'custom.cellOptions': { type: 'color-text' } });

// ---------------------------------------------------------------------------------------------------------------
const H = 'host=~"$host"';

export const fleetOverview = dashboard({
  uid: 'vigil-fleet-overview',
  title: 'Vigil / Fleet overview',
  description: 'All agents at a glance: connectivity, saturation, probes, and the collector itself.',
  variables: [hostVar(true)],
  rows: [
    {
      title: 'Fleet',
      panels: [
        stat('Agents connected', instant('sum(vigil_agent_up)'), { unit: 'none', description: 'Agents holding a stream to the collector.' }),
        stat('Agents disconnected', instant('count(vigil_agent_up == 0) or vector(0)'), { unit: 'none', thresholds: HIGH_IS_BAD(1, 1) }),
        stat('Probes failing', instant('count(vigil_probe_success == 0) or vector(0)'), { unit: 'none', thresholds: HIGH_IS_BAD(1, 1) }),
        stat('Open incidents', instant('sum(vigil_incidents_open) or vector(0)'), { unit: 'none', thresholds: HIGH_IS_BAD(1, 1) }),
        stat('Samples ingested', instant(`sum(rate(vigil_ingest_samples_total[${RATE}]))`), { unit: 'reqps', description: 'Samples per second stored by the collector.' }),
        stat('Samples rejected', instant(`sum(rate(vigil_ingest_rejected_samples_total[${RATE}])) or vector(0)`), { unit: 'reqps', thresholds: HIGH_IS_BAD(0.001, 1) }),
      ],
    },
    {
      title: 'Hosts',
      panels: [
        table('Hosts', [
          tableQuery(`max by (host, agent) (vigil_agent_up{${H}})`),
          tableQuery(`max by (host, agent) (vigil_cpu_utilization_ratio{${H}})`),
          tableQuery(`max by (host, agent) (vigil_memory_used_ratio{${H}})`),
          tableQuery(`max by (host, agent) (vigil_filesystem_used_ratio{${H}})`),
          tableQuery(`max by (host, agent) (vigil_load5{${H}} / vigil_cpus{${H}})`),
          tableQuery(`max by (host, agent) (time() - vigil_agent_last_seen_timestamp_seconds{${H}})`),
          tableQuery(`max by (host, agent) (vigil_uptime_seconds{${H}})`),
        ], {
          h: 9,
          description: 'One row per agent. Fullest filesystem and load per CPU flag the hosts to look at first.',
          transformations: mergedTable({ A: 'Connected', B: 'CPU', C: 'Memory', D: 'Fullest filesystem', E: 'Load5 per CPU', F: 'Last seen', G: 'Uptime' }),
          overrides: [
            colored('Connected', 'none', LOW_IS_BAD(1, 1)),
            colored('CPU', 'percentunit', HIGH_IS_BAD(0.8, 0.9)),
            colored('Memory', 'percentunit', HIGH_IS_BAD(0.8, 0.9)),
            colored('Fullest filesystem', 'percentunit', HIGH_IS_BAD(0.8, 0.9)),
            colored('Load5 per CPU', 'none', HIGH_IS_BAD(1, 2)),
            colored('Last seen', 's', HIGH_IS_BAD(60, 300)),
            columnOverride('Uptime', { unit: 'dtdurations' }),
          ],
          options: { sortBy: [{ displayName: 'Fullest filesystem', desc: true }] },
        }),
        timeseries('CPU utilisation', query(`vigil_cpu_utilization_ratio{${H}}`, '{{host}}'), { unit: 'percentunit', min: 0, max: 1 }),
        timeseries('Memory used', query(`vigil_memory_used_ratio{${H}}`, '{{host}}'), { unit: 'percentunit', min: 0, max: 1 }),
        bargauge('Fullest filesystems', instant(`topk(10, vigil_filesystem_used_ratio{${H}})`, '{{host}} {{mountpoint}}'), { unit: 'percentunit', min: 0, max: 1, thresholds: HIGH_IS_BAD(0.8, 0.9) }),
        timeseries('Load 5m per CPU', query(`vigil_load5{${H}} / vigil_cpus{${H}}`, '{{host}}'), { unit: 'none', min: 0 }),
        timeseries('Network throughput', [
          query(`sum by (host) (rate(vigil_network_receive_bytes_total{${H}}[${RATE}]))`, '{{host}} receive'),
          query(`-sum by (host) (rate(vigil_network_transmit_bytes_total{${H}}[${RATE}]))`, '{{host}} transmit'),
        ], { unit: 'Bps', description: 'Receive above the axis, transmit below.' }),
        timeseries('Busiest disk', query(`max by (host) (rate(vigil_disk_io_time_seconds_total{${H}}[${RATE}]))`, '{{host}}'), { unit: 'percentunit', min: 0, max: 1, description: 'Share of time the busiest block device of each host was busy.' }),
      ],
    },
    {
      title: 'Probes',
      panels: [
        table('Probe status', [
          tableQuery(`max by (host, probe, type, target) (vigil_probe_success{${H}})`),
          tableQuery(`max by (host, probe, type, target) (vigil_probe_duration_seconds{${H}})`),
        ], {
          transformations: mergedTable({ A: 'Up', B: 'Duration' }),
          overrides: [colored('Up', 'none', LOW_IS_BAD(1, 1)), columnOverride('Duration', { unit: 's' })],
          options: { sortBy: [{ displayName: 'Up', desc: false }] },
        }),
        timeseries('Probe success', query(`vigil_probe_success{${H}}`, '{{host}} {{probe}}'), { unit: 'none', min: 0, max: 1, custom: { drawStyle: 'line', lineInterpolation: 'stepAfter' } }),
        timeseries('Probe duration', query(`vigil_probe_duration_seconds{${H}}`, '{{host}} {{probe}}'), { unit: 's', min: 0 }),
      ],
    },
    {
      title: 'Collector',
      panels: [
        timeseries('Ingest rate', [
          query(`sum(rate(vigil_ingest_samples_total[${RATE}]))`, 'samples/s'),
          query(`sum(rate(vigil_ingest_batches_total[${RATE}]))`, 'batches/s'),
        ], { unit: 'reqps', min: 0 }),
        timeseries('Rejected samples by reason', query(`sum by (reason) (rate(vigil_ingest_rejected_samples_total[${RATE}]))`, '{{reason}}'), { unit: 'reqps', min: 0 }),
        timeseries('Ack and storage latency', [
          query(`histogram_quantile(0.99, sum by (le) (rate(vigil_ingest_ack_latency_seconds_bucket[${RATE}])))`, 'ack p99'),
          query(`histogram_quantile(0.5, sum by (le) (rate(vigil_ingest_ack_latency_seconds_bucket[${RATE}])))`, 'ack p50'),
          query(`histogram_quantile(0.99, sum by (le) (rate(vigil_storage_write_duration_seconds_bucket[${RATE}])))`, 'storage commit p99'),
        ], { unit: 's', min: 0 }),
        timeseries('Agents connected', query('sum(vigil_agents_connected)', 'connected'), { unit: 'none', min: 0 }),
        timeseries('Collector process', [
          query('vigil_collector_process_resident_memory_bytes', 'resident memory {{instance}}'),
          query('vigil_collector_nodejs_heap_size_used_bytes', 'heap used {{instance}}'),
        ], { unit: 'bytes', min: 0 }),
        timeseries('Collector CPU and event loop', [
          query(`rate(vigil_collector_process_cpu_seconds_total[${RATE}])`, 'CPU cores {{instance}}'),
          query('vigil_collector_nodejs_eventloop_lag_p99_seconds', 'event loop lag p99 {{instance}}'),
        ], { unit: 'none', min: 0 }),
      ],
    },
  ],
});

// ---------------------------------------------------------------------------------------------------------------
const SH = 'host="$host"';

export const hostDetail = dashboard({
  uid: 'vigil-host-detail',
  title: 'Vigil / Host detail',
  description: 'Everything one agent reports about its host, and the probes it runs.',
  variables: [hostVar(false)],
  rows: [
    {
      title: 'Summary',
      panels: [
        stat('Agent connected', instant(`max(vigil_agent_up{${SH}})`), { unit: 'none', thresholds: LOW_IS_BAD(1, 1), mappings: [{ type: 'value', options: { 0: { text: 'down' }, 1: { text: 'up' } } }] }),
        stat('Last seen', instant(`time() - max(vigil_agent_last_seen_timestamp_seconds{${SH}})`), { unit: 's', thresholds: HIGH_IS_BAD(60, 300), description: 'Seconds since the collector last heard from the agent.' }),
        stat('Uptime', instant(`max(vigil_uptime_seconds{${SH}})`), { unit: 'dtdurations' }),
        stat('CPUs', instant(`max(vigil_cpus{${SH}})`), { unit: 'none' }),
        stat('Memory', instant(`max(vigil_memory_total_bytes{${SH}})`), { unit: 'bytes' }),
        stat('Swap used', instant(`max(vigil_swap_used_ratio{${SH}})`), { unit: 'percentunit', thresholds: HIGH_IS_BAD(0.5, 0.8) }),
      ],
    },
    {
      title: 'CPU and memory',
      panels: [
        timeseries('CPU by mode', query(`vigil_cpu_mode_ratio{${SH}}`, '{{mode}}'), { unit: 'percentunit', min: 0, max: 1, custom: { stacking: { mode: 'normal', group: 'A' }, fillOpacity: 40 } }),
        timeseries('Load average', [
          query(`vigil_load1{${SH}}`, 'load1'),
          query(`vigil_load5{${SH}}`, 'load5'),
          query(`vigil_load15{${SH}}`, 'load15'),
          query(`vigil_cpus{${SH}}`, 'CPUs'),
        ], { unit: 'none', min: 0 }),
        timeseries('Memory', [
          query(`vigil_memory_used_bytes{${SH}}`, 'used'),
          query(`vigil_memory_available_bytes{${SH}}`, 'available'),
          query(`vigil_memory_total_bytes{${SH}}`, 'total'),
        ], { unit: 'bytes', min: 0 }),
        timeseries('Swap', [
          query(`vigil_swap_used_bytes{${SH}}`, 'used'),
          query(`vigil_swap_total_bytes{${SH}}`, 'total'),
        ], { unit: 'bytes', min: 0 }),
      ],
    },
    {
      title: 'Filesystems',
      panels: [
        table('Filesystems', [
          tableQuery(`max by (mountpoint, device, fstype) (vigil_filesystem_used_ratio{${SH}})`),
          tableQuery(`max by (mountpoint, device, fstype) (vigil_filesystem_free_bytes{${SH}})`),
          tableQuery(`max by (mountpoint, device, fstype) (vigil_filesystem_size_bytes{${SH}})`),
          tableQuery(`max by (mountpoint, device, fstype) (1 - vigil_filesystem_inodes_free{${SH}} / (vigil_filesystem_inodes{${SH}} > 0))`),
        ], {
          description: 'Inode use is blank on filesystems without a fixed inode table (btrfs, zfs).',
          transformations: mergedTable({ A: 'Used', B: 'Free', C: 'Size', D: 'Inodes used' }),
          overrides: [colored('Used', 'percentunit', HIGH_IS_BAD(0.8, 0.9)), colored('Inodes used', 'percentunit', HIGH_IS_BAD(0.8, 0.9)), columnOverride('Free', { unit: 'bytes' }), columnOverride('Size', { unit: 'bytes' })],
          options: { sortBy: [{ displayName: 'Used', desc: true }] },
        }),
        timeseries('Filesystem used', query(`vigil_filesystem_used_ratio{${SH}}`, '{{mountpoint}}'), { unit: 'percentunit', min: 0, max: 1 }),
        timeseries('Filesystem free', query(`vigil_filesystem_free_bytes{${SH}}`, '{{mountpoint}}'), { unit: 'bytes', min: 0 }),
      ],
    },
    {
      title: 'Disks and network',
      panels: [
        timeseries('Disk throughput', [
          query(`rate(vigil_disk_read_bytes_total{${SH}}[${RATE}])`, '{{device}} read'),
          query(`-rate(vigil_disk_written_bytes_total{${SH}}[${RATE}])`, '{{device}} write'),
        ], { unit: 'Bps', description: 'Reads above the axis, writes below.' }),
        timeseries('Disk operations', [
          query(`rate(vigil_disk_reads_completed_total{${SH}}[${RATE}])`, '{{device}} reads'),
          query(`-rate(vigil_disk_writes_completed_total{${SH}}[${RATE}])`, '{{device}} writes'),
        ], { unit: 'iops' }),
        timeseries('Disk busy', query(`rate(vigil_disk_io_time_seconds_total{${SH}}[${RATE}])`, '{{device}}'), { unit: 'percentunit', min: 0, max: 1 }),
        timeseries('Network throughput', [
          query(`rate(vigil_network_receive_bytes_total{${SH}}[${RATE}])`, '{{interface}} receive'),
          query(`-rate(vigil_network_transmit_bytes_total{${SH}}[${RATE}])`, '{{interface}} transmit'),
        ], { unit: 'Bps' }),
        timeseries('Network packets', [
          query(`rate(vigil_network_receive_packets_total{${SH}}[${RATE}])`, '{{interface}} receive'),
          query(`-rate(vigil_network_transmit_packets_total{${SH}}[${RATE}])`, '{{interface}} transmit'),
        ], { unit: 'pps' }),
        timeseries('Network errors and drops', [
          query(`rate(vigil_network_receive_errors_total{${SH}}[${RATE}]) + rate(vigil_network_transmit_errors_total{${SH}}[${RATE}])`, '{{interface}} errors'),
          query(`rate(vigil_network_receive_drop_total{${SH}}[${RATE}]) + rate(vigil_network_transmit_drop_total{${SH}}[${RATE}])`, '{{interface}} drops'),
        ], { unit: 'pps', min: 0 }),
      ],
    },
    {
      title: 'Probes',
      panels: [
        table('Probes', [
          tableQuery(`max by (probe, type, target) (vigil_probe_success{${SH}})`),
          tableQuery(`max by (probe, type, target) (vigil_probe_duration_seconds{${SH}})`),
          tableQuery(`max by (probe, type, target) (vigil_probe_http_status_code{${SH}})`),
        ], {
          transformations: mergedTable({ A: 'Up', B: 'Duration', C: 'HTTP status' }),
          overrides: [colored('Up', 'none', LOW_IS_BAD(1, 1)), columnOverride('Duration', { unit: 's' }), columnOverride('HTTP status', { unit: 'none' })],
        }),
        timeseries('Probe duration', query(`vigil_probe_duration_seconds{${SH}}`, '{{probe}}'), { unit: 's', min: 0 }),
        bargauge('TLS certificate days left', instant(`sort((vigil_probe_tls_cert_expiry_timestamp_seconds{${SH}} - time()) / 86400)`, '{{probe}} {{target}}'), { unit: 'd', min: 0, max: 90, thresholds: LOW_IS_BAD(14, 30) }),
      ],
    },
  ],
});

// ---------------------------------------------------------------------------------------------------------------
const S = 'service=~"$service"';
const SW = `${S}, window="$window"`;

export const slaCompliance = dashboard({
  uid: 'vigil-sla-compliance',
  title: 'Vigil / SLA compliance and error budgets',
  description: 'Availability against objective, error budget left and how fast it burns, per service and window.',
  variables: [
    labelVariable('service', 'Service', 'label_values(vigil_sla_objective_ratio, service)', { multi: true }),
    labelVariable('window', 'Window', 'label_values(vigil_sla_availability_ratio, window)'),
  ],
  rows: [
    {
      title: 'Compliance',
      panels: [
        table('Services in window $window', [
          tableQuery(`max by (service) (vigil_sla_objective_ratio{${S}})`),
          tableQuery(`max by (service) (vigil_sla_availability_ratio{${SW}})`),
          tableQuery(`max by (service) (vigil_sla_error_budget_remaining_ratio{${SW}})`),
          // Average burn over the SLA window itself: the collector publishes vigil_sla_burn_rate only for the
          // burn-alert windows (1h, 6h, 1d, ...), which need not include the SLA windows (30d, 1 month).
          tableQuery(`max by (service) (1 - vigil_sla_availability_ratio{${SW}}) / max by (service) (1 - vigil_sla_objective_ratio{${S}})`),
          tableQuery(`max by (service) (vigil_sla_latency_attainment_ratio{${SW}})`),
          tableQuery(`sum by (service) (vigil_sla_downtime_seconds{${SW}})`),
          tableQuery(`max by (service) (vigil_sla_unknown_seconds{${SW}})`),
          tableQuery(`max by (service) (vigil_sla_coverage_ratio{${SW}})`),
          tableQuery(`max by (service) (vigil_sla_status{${SW}, status="insufficient_data"})`),
        ], {
          description: 'Availability counts service hours only and excludes maintenance; "No data" is time without any probe result. Coverage is the measured share of the counted minutes; below sla.min_coverage the verdict is "insufficient data" unless the breach is certain.',
          transformations: mergedTable({ A: 'Objective', B: 'Availability', C: 'Budget left', D: 'Burn rate', E: 'Latency attainment', F: 'Downtime', G: 'No data', H: 'Coverage', I: 'Insufficient data' }),
          overrides: [
            columnOverride('Objective', { unit: 'percentunit', decimals: 3 }),
            colored('Availability', 'percentunit', LOW_IS_BAD(0.99, 0.999)),
            colored('Budget left', 'percentunit', LOW_IS_BAD(0, 0.25)),
            colored('Burn rate', 'none', HIGH_IS_BAD(1, 6)),
            colored('Latency attainment', 'percentunit', LOW_IS_BAD(0.95, 0.99)),
            columnOverride('Downtime', { unit: 's' }),
            columnOverride('No data', { unit: 's' }),
            colored('Coverage', 'percentunit', LOW_IS_BAD(0.9, 0.95)),
            columnOverride('Insufficient data', { mappings: [{ type: 'value', options: { 0: { text: 'no' }, 1: { text: 'yes: no verdict' } } }] }),
          ],
          options: { sortBy: [{ displayName: 'Budget left', desc: false }] },
        }),
        bargauge('Error budget left ($window)', instant(`sort(vigil_sla_error_budget_remaining_ratio{${SW}})`, '{{service}}'), { unit: 'percentunit', min: 0, max: 1, thresholds: LOW_IS_BAD(0, 0.25) }),
        bargauge('Availability ($window)', instant(`sort(vigil_sla_availability_ratio{${SW}})`, '{{service}}'), { unit: 'percentunit', decimals: 3, thresholds: LOW_IS_BAD(0.99, 0.999) }),
      ],
    },
    {
      title: 'Trends',
      panels: [
        timeseries('Availability against objective', [
          query(`vigil_sla_availability_ratio{${SW}}`, '{{service}} availability'),
          query(`vigil_sla_objective_ratio{${S}}`, '{{service}} objective'),
        ], { unit: 'percentunit', decimals: 3 }),
        timeseries('Burn rate by window', query(`vigil_sla_burn_rate{${S}}`, '{{service}} {{window}}'), {
          unit: 'none', min: 0, thresholds: HIGH_IS_BAD(6, 14.4),
          description: '1 spends exactly the budget over the SLA period; 14.4 over one hour spends 2% of a 30-day budget (page), 6 over six hours spends 5%.',
          custom: { thresholdsStyle: { mode: 'dashed' } },
        }),
        timeseries('Error budget left', query(`vigil_sla_error_budget_remaining_ratio{${SW}}`, '{{service}}'), { unit: 'percentunit', max: 1, custom: { thresholdsStyle: { mode: 'line' } }, thresholds: LOW_IS_BAD(0, 0.25) }),
        timeseries('Latency attainment', query(`vigil_sla_latency_attainment_ratio{${SW}}`, '{{service}}'), { unit: 'percentunit', max: 1 }),
        bargauge('Downtime by kind ($window)', instant(`sum by (service, kind) (vigil_sla_downtime_seconds{${SW}})`, '{{service}} {{kind}}'), { unit: 's', min: 0 }),
        timeseries('Time without data', query(`vigil_sla_unknown_seconds{${SW}}`, '{{service}}'), { unit: 's', min: 0 }),
      ],
    },
  ],
});

// ---------------------------------------------------------------------------------------------------------------
const C = 'host=~"$host", resource=~"$resource"';

export const capacityForecast = dashboard({
  uid: 'vigil-capacity-forecast',
  title: 'Vigil / Capacity forecast',
  description: 'Which resources fill up first, and how their forecasts develop.',
  time: 'now-7d',
  variables: [hostVar(true), labelVariable('resource', 'Resource', 'label_values(vigil_capacity_utilization_ratio, resource)', { multi: true })],
  rows: [
    {
      title: 'Ranking',
      panels: [
        table('Days until full', [
          tableQuery(`vigil_capacity_exhaustion_seconds{${C}} / 86400`),
          tableQuery(`vigil_capacity_utilization_ratio{${C}}`),
          tableQuery(`vigil_capacity_growth_per_day{${C}}`),
          tableQuery(`vigil_capacity_forecast_value{${C}}`),
        ], {
          h: 10,
          description: 'Soonest first. Resources that are not growing have no exhaustion forecast and show a blank.',
          transformations: mergedTable({ A: 'Days until full', B: 'Utilisation', C: 'Growth per day', D: 'Forecast' }, ['__name__', 'job', 'instance']),
          overrides: [
            colored('Days until full', 'none', LOW_IS_BAD(7, 30)),
            colored('Utilisation', 'percentunit', HIGH_IS_BAD(0.8, 0.9)),
            columnOverride('Growth per day', { unit: 'percentunit', decimals: 3 }),
            columnOverride('Forecast', { unit: 'percentunit' }),
          ],
          options: { sortBy: [{ displayName: 'Days until full', desc: false }] },
        }),
        bargauge('Soonest to fill (days)', instant(`bottomk(10, vigil_capacity_exhaustion_seconds{${C}} / 86400)`, '{{host}} {{resource}} {{mountpoint}}'), { unit: 'none', min: 0, max: 90, thresholds: LOW_IS_BAD(7, 30) }),
        bargauge('Highest utilisation', instant(`topk(10, vigil_capacity_utilization_ratio{${C}})`, '{{host}} {{resource}} {{mountpoint}}'), { unit: 'percentunit', min: 0, max: 1, thresholds: HIGH_IS_BAD(0.8, 0.9) }),
      ],
    },
    {
      title: 'Forecasts',
      panels: [
        timeseries('Utilisation and forecast', [
          query(`vigil_capacity_utilization_ratio{${C}}`, '{{host}} {{resource}} {{mountpoint}} now'),
          query(`vigil_capacity_forecast_value{${C}}`, '{{host}} {{resource}} {{mountpoint}} forecast'),
        ], { unit: 'percentunit', min: 0, max: 1, description: 'Forecast: the utilisation the model expects at its horizon.' }),
        timeseries('Growth per day', query(`vigil_capacity_growth_per_day{${C}}`, '{{host}} {{resource}} {{mountpoint}}'), { unit: 'percentunit', decimals: 3 }),
        timeseries('Days until full over time', query(`vigil_capacity_exhaustion_seconds{${C}} / 86400`, '{{host}} {{resource}} {{mountpoint}}'), { unit: 'none', min: 0, description: 'A forecast moving closer faster than time passes means growth is accelerating.' }),
        timeseries('Filesystem used (measured)', query('vigil_filesystem_used_ratio{host=~"$host"}', '{{host}} {{mountpoint}}'), { unit: 'percentunit', min: 0, max: 1 }),
      ],
    },
  ],
});

// ---------------------------------------------------------------------------------------------------------------
const I = 'service=~"$service", severity=~"$severity"';
/** Mean of a histogram over the dashboard range, from its _sum and _count. */
const meanOver = (/** @type {string} */ metric, /** @type {string} */ by = '') =>
  `sum${by}(increase(${metric}_sum{${I}}[$__range])) / sum${by}(increase(${metric}_count{${I}}[$__range]))`;
const quantileOver = (/** @type {number} */ q, /** @type {string} */ metric) =>
  `histogram_quantile(${q}, sum by (le) (increase(${metric}_bucket{${I}}[$__range])))`;
const TTA = 'vigil_incident_time_to_acknowledge_seconds';
const TTR = 'vigil_incident_time_to_resolve_seconds';

export const incidentsKpis = dashboard({
  uid: 'vigil-incidents-kpis',
  title: 'Vigil / Incidents and ISO 20000 KPIs',
  description: 'Incident and change management figures over the selected time range: volumes, MTTA, MTTR, change success.',
  time: 'now-30d',
  refresh: '5m',
  variables: [
    labelVariable('service', 'Service', 'label_values(vigil_incidents_opened_total, service)', { multi: true }),
    labelVariable('severity', 'Severity', 'label_values(vigil_incidents_opened_total, severity)', { multi: true }),
  ],
  rows: [
    {
      title: 'Incidents',
      panels: [
        stat('Open by severity', instant(`sum by (severity) (vigil_incidents_open{${I}})`, '{{severity}}'), { w: 8, unit: 'none', thresholds: HIGH_IS_BAD(1, 1), options: { textMode: 'value_and_name' } }),
        stat('Opened in range', instant(`sum(increase(vigil_incidents_opened_total{${I}}[$__range]))`), { unit: 'none', decimals: 0 }),
        stat('MTTA', instant(meanOver(TTA)), { unit: 's', description: 'Mean time to acknowledge over the range, from the histogram sum and count.' }),
        stat('MTTR', instant(meanOver(TTR)), { unit: 's', description: 'Mean time to resolve over the range.' }),
        stat('TTR p90', instant(quantileOver(0.9, TTR)), { unit: 's', description: '90% of incidents in the range were resolved within this time (bucket-interpolated).' }),
        timeseries('Open incidents', query(`sum by (severity) (vigil_incidents_open{${I}})`, '{{severity}}'), { unit: 'none', min: 0, custom: { stacking: { mode: 'normal', group: 'A' }, fillOpacity: 30 } }),
        timeseries('Incidents opened per day', query(`sum by (severity) (increase(vigil_incidents_opened_total{${I}}[1d]))`, '{{severity}}'), { unit: 'none', min: 0 }),
        table('Response by service', [
          tableQuery(`sum by (service) (increase(vigil_incidents_opened_total{${I}}[$__range]))`),
          tableQuery(meanOver(TTA, ' by (service) ')),
          tableQuery(meanOver(TTR, ' by (service) ')),
          tableQuery(`sum by (service) (vigil_incidents_open{${I}})`),
        ], {
          description: 'Per service over the selected range.',
          transformations: mergedTable({ A: 'Opened', B: 'MTTA', C: 'MTTR', D: 'Open now' }),
          overrides: [columnOverride('Opened', { decimals: 0 }), columnOverride('MTTA', { unit: 's' }), columnOverride('MTTR', { unit: 's' })],
        }),
      ],
    },
    {
      title: 'Changes and notifications',
      panels: [
        stat('Changes in range', instant('sum(increase(vigil_changes_total[$__range]))'), { unit: 'none', decimals: 0 }),
        stat('Changes causing incidents', instant('sum(increase(vigil_changes_causing_incidents_total[$__range])) or vector(0)'), { unit: 'none', decimals: 0, thresholds: HIGH_IS_BAD(1, 1) }),
        stat('Successful change rate', instant('sum(increase(vigil_changes_total{outcome="success"}[$__range])) / sum(increase(vigil_changes_total[$__range]))'), {
          w: 8, unit: 'percentunit', thresholds: LOW_IS_BAD(0.9, 0.95),
          description: 'Share of changes in the range with outcome success (not failed or rolled back). Changes that caused an incident are counted separately.',
        }),
        stat('Notification failures', instant('sum(increase(vigil_notifications_total{outcome="failed"}[$__range])) or vector(0)'), {
          w: 8, unit: 'none', decimals: 0, thresholds: HIGH_IS_BAD(1, 1), description: 'Notifications given up on after all retries.',
        }),
        bargauge('Changes by outcome', instant('sum by (outcome) (increase(vigil_changes_total[$__range]))', '{{outcome}}'), { unit: 'none', decimals: 0 }),
        bargauge('Notifications by notifier and outcome', instant('sum by (notifier, outcome) (increase(vigil_notifications_total[$__range]))', '{{notifier}} {{outcome}}'), { unit: 'none', decimals: 0 }),
      ],
    },
  ],
});

/** All dashboards, keyed by the file name generate.mjs writes under dashboards/grafana/. */
export const DASHBOARDS = {
  'fleet-overview.json': fleetOverview,
  'host-detail.json': hostDetail,
  'sla-compliance.json': slaCompliance,
  'capacity-forecast.json': capacityForecast,
  'incidents-kpis.json': incidentsKpis,
};
