import { describe, expect, it } from 'vitest';
import { parsePorts } from '../../server/services/ports.ts';

describe('parsePorts', () => {
  it.each([
    ['21,22,23', [21, 22, 23]],
    ['21/22/23', [21, 22, 23]],
    ['21 22 23', [21, 22, 23]],
    [' 23 , 21 / 22 ', [21, 22, 23]],
    ['80,80', [80]],
    ['65535', [65535]],
    ['1', [1]],
  ])('text %j → %j', (input, ports) => {
    expect(parsePorts(input, 3)).toEqual({ ok: true, ports });
  });

  it('takes lists of numbers or numeric strings', () => {
    expect(parsePorts([443, 80, 443], 3)).toEqual({ ok: true, ports: [80, 443] });
    expect(parsePorts(['22', 80], 3)).toEqual({ ok: true, ports: [22, 80] });
  });

  it.each([
    ['21,,x', 'an entry is empty (two separators in a row?)'],
    ['21,x', '"x" is not a port number'],
    ['0', '0 is not a port: use 1–65535'],
    ['70000', '70000 is not a port: use 1–65535'],
    ['-1', '"-1" is not a port number'],
    ['22.5', '"22.5" is not a port number'],
    ['', 'Enter at least one port'],
    ['   ', 'Enter at least one port'],
    ['21,22,23,25', 'At most 3 ports per server (4 given)'],
  ])('refuses %j', (input, message) => {
    expect(parsePorts(input, 3)).toMatchObject({ ok: false, message, code: expect.stringMatching(/^[A-Z_]+$/) });
  });

  it('refuses bad lists and other shapes', () => {
    expect(parsePorts([], 3)).toEqual({ ok: false, message: 'Enter at least one port', code: 'PORTS_REQUIRED' });
    expect(parsePorts([1.5], 3)).toMatchObject({ ok: false });
    expect(parsePorts([0], 3)).toMatchObject({ ok: false });
    expect(parsePorts([null], 3)).toMatchObject({ ok: false });
    expect(parsePorts({ port: 1 }, 3)).toMatchObject({ ok: false });
    expect(parsePorts([1, 2], 1)).toEqual({
      ok: false,
      message: 'At most 1 port per server (2 given)',
      code: 'PORTS_TOO_MANY',
      params: { max: 1, given: 2 },
    });
    expect(parsePorts('21,70000', 3)).toMatchObject({ ok: false, code: 'PORT_INVALID', params: { port: 70000 } });
  });
});
