import type { FlowRecord } from '../../../tasks/network/lib/flow-log-format';
import { TrafficAggregator } from '../../../tasks/network/lib/traffic-aggregate';
import type { WorldOpenRule } from '../../../tasks/network/lib/world-open-rules';
import { ADDRESS, ENI, GROUP, INSIDE, WINDOW } from './investigate-fixtures';

const SSH: WorldOpenRule = { groupId: GROUP, ruleId: 'sgr-ssh', egress: false, protocol: 'tcp', fromPort: 22, toPort: 22, cidr: '0.0.0.0/0' };
const rec = (overrides: Partial<FlowRecord>): FlowRecord => ({
  interfaceId: ENI, srcaddr: '203.0.113.5', dstaddr: ADDRESS, srcport: 50000, dstport: 22, protocol: 6, packets: 1, bytes: 100,
  start: INSIDE, end: INSIDE + 60, action: 'ACCEPT', logStatus: 'OK', ...overrides,
});
const aggregator = (max = 1000) => new TrafficAggregator([{ eniId: ENI, addresses: [ADDRESS], worldOpen: [SSH] }], WINDOW, max);

describe('TrafficAggregator', () => {
  it('sums by remote, direction, port, protocol and action, top N by bytes, with accepts and rejects', () => {
    // Prepare
    const a = aggregator();

    // Act
    a.add(rec({ bytes: 100 }));
    a.add(rec({ bytes: 300 }));
    a.add(rec({ srcaddr: '198.51.100.9', dstport: 3389, action: 'REJECT', bytes: 40 }));
    a.add(rec({ srcaddr: ADDRESS, dstaddr: '93.184.216.34', dstport: 443, bytes: 9000 }));
    const summary = a.summary(2);

    // Assess
    expect(summary.talkers).toEqual([
      { remoteAddress: '93.184.216.34', direction: 'outbound', port: 443, protocol: 'tcp', action: 'ACCEPT', flows: 1, packets: 1, bytes: 9000 },
      { remoteAddress: '203.0.113.5', direction: 'inbound', port: 22, protocol: 'tcp', action: 'ACCEPT', flows: 2, packets: 2, bytes: 400 },
    ]);
    expect(summary).toMatchObject({ distinctTalkers: 3, recordsRead: 4, recordsMatched: 4, accepted: { flows: 3, bytes: 9400 }, rejected: { flows: 1, bytes: 40 } });
    expect(summary.remotes[0]).toEqual({ remoteAddress: '93.184.216.34', accepted: 1, rejected: 0, flows: 1, packets: 1, bytes: 9000 });
  });

  it('counts accepted inbound flows through world-open rules only (not rejected ones, nor other ports)', () => {
    // Prepare
    const a = aggregator();

    // Act
    a.add(rec({ bytes: 500 }));
    a.add(rec({ srcaddr: '198.51.100.1', bytes: 50 }));
    a.add(rec({ action: 'REJECT' }));
    a.add(rec({ dstport: 80 }));

    // Assess
    expect(a.summary(10).worldOpenHits).toEqual([
      { groupId: GROUP, ruleId: 'sgr-ssh', ports: 'tcp/22', cidr: '0.0.0.0/0', flows: 2, packets: 2, bytes: 550, remotes: 2, topRemotes: ['203.0.113.5', '198.51.100.1'] },
    ]);
  });

  it('skips malformed, NODATA, out-of-window and other ENIs\' records, and counts each', () => {
    // Prepare
    const a = aggregator();

    // Act
    a.add(undefined);
    a.add({ interfaceId: ENI, packets: 0, bytes: 0, logStatus: 'NODATA' });
    a.add(rec({ start: INSIDE - 7200, end: INSIDE - 7140 }));
    a.add(rec({ interfaceId: 'eni-0fffffffffffffff0' }));
    a.add(rec({}));

    // Assess
    expect(a.summary(10)).toMatchObject({ recordsRead: 5, recordsMatched: 1, malformed: 1, noData: 1, outsideWindow: 1, otherInterfaces: 1 });
  });

  it('attributes a record without interface-id by address, and by the stream\'s ENI', () => {
    const a = aggregator();
    a.add(rec({ interfaceId: undefined }));
    a.add(rec({ interfaceId: undefined, dstaddr: '10.9.9.9' }), ENI);
    a.add(rec({ interfaceId: undefined, dstaddr: '10.9.9.9' }));
    expect(a.summary(10)).toMatchObject({ recordsMatched: 2, otherInterfaces: 1 });
  });

  it('is open until maxRecords lines were read', () => {
    const a = aggregator(2);
    a.add(rec({}));
    expect(a.open).toBe(true);
    a.add(rec({}));
    expect(a.open).toBe(false);
  });
});
