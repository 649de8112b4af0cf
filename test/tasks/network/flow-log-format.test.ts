import { DEFAULT_LOG_FORMAT, formatFields, headerFields, parseRecord } from '../../../tasks/network/lib/flow-log-format';

describe('flow-log record parsing', () => {
  it('reads a default-format (v2) record', () => {
    // Act
    const record = parseRecord('2 123456789012 eni-0aaaaaaaaaaaaaaa1 203.0.113.5 10.0.1.10 50000 22 6 10 5000 1700000000 1700000060 ACCEPT OK', formatFields(undefined));

    // Assess
    expect(record).toEqual({
      interfaceId: 'eni-0aaaaaaaaaaaaaaa1', srcaddr: '203.0.113.5', dstaddr: '10.0.1.10', srcport: 50000, dstport: 22, protocol: 6,
      packets: 10, bytes: 5000, start: 1700000000, end: 1700000060, action: 'ACCEPT', logStatus: 'OK',
    });
  });

  it('reads a custom format in its own field order, leaving out what it lacks', () => {
    // Prepare
    const fields = formatFields('${action} ${dstport} ${srcaddr} ${dstaddr} ${bytes} ${tcp-flags}');

    // Act
    const record = parseRecord('REJECT 3389 198.51.100.9 10.0.1.10 40 2', fields);

    // Assess
    expect(fields).toEqual(['action', 'dstport', 'srcaddr', 'dstaddr', 'bytes', 'tcp-flags']);
    expect(record).toEqual({ action: 'REJECT', dstport: 3389, srcaddr: '198.51.100.9', dstaddr: '10.0.1.10', bytes: 40, packets: 0 });
  });

  it('reads "-" as no value (a NODATA record)', () => {
    expect(parseRecord('2 123456789012 eni-0aaaaaaaaaaaaaaa1 - - - - - - - 1700000000 1700000060 - NODATA', formatFields(undefined)))
      .toEqual({ interfaceId: 'eni-0aaaaaaaaaaaaaaa1', packets: 0, bytes: 0, start: 1700000000, end: 1700000060, logStatus: 'NODATA' });
  });

  it('refuses a line with the wrong number of fields', () => {
    expect(parseRecord('2 123456789012 eni-0aaaaaaaaaaaaaaa1', formatFields(undefined))).toBeUndefined();
  });

  it('recognizes an S3 file\'s header line, and no record as one', () => {
    expect(headerFields(DEFAULT_LOG_FORMAT.replace(/\$\{|\}/g, ''))).toEqual(formatFields(undefined));
    expect(headerFields('2 123456789012 eni-0aaaaaaaaaaaaaaa1 - - - - - - - 1 2 - NODATA')).toBeUndefined();
  });
});
