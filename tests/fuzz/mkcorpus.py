#!/usr/bin/python3
# SPDX-License-Identifier: GPL-2.0
#
# mkcorpus.py - write the seed corpus of the fuzz targets into
# tests/fuzz/corpus/NAME/ (the files are committed; rerun this after a
# change here).  Valid files as the reader writes them (pcap records as
# the ring holds them; pcapng SHB, IDB, EPBs, ISB as pcapng.c builds
# them), the ways a killed reader leaves them (cut in a record, a zero
# tail), and a few that are not ours.  Each seed stays small: libFuzzer
# starts from them, it does not need them big.

import os
import shutil
import struct
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
OUT = os.path.join(HERE, 'corpus')

PCAP_MAGIC_NSEC = 0xa1b23c4d
SHB, IDB, ISB, EPB = 0x0a0d0d0a, 1, 5, 6
BOM = 0x1a2b3c4d
T0 = 1764000000  # 2025-11-24, seconds


def frame(n, length):
    """an Ethernet frame of @length bytes, numbered @n"""
    b = bytes([0xff] * 6 + [2, 0, 0, 0, 0, 1] + [8, 0])
    b += struct.pack('<I', n)
    return (b + bytes(i & 0xff for i in range(length)))[:length]


def pcap_hdr(snaplen=65535, linktype=1, thiszone=0, sigfigs=0):
    return struct.pack('<IHHiIII', PCAP_MAGIC_NSEC, 2, 4, thiszone, sigfigs,
                       snaplen, linktype)


def pcap_rec(n, length, caplen=None, sec=T0, nsec=None):
    caplen = length if caplen is None else caplen
    nsec = n * 1000 if nsec is None else nsec
    return struct.pack('<IIII', sec, nsec, caplen, length) + \
        frame(n, caplen)


def pcap_file(lens, snaplen=65535, **kw):
    b = pcap_hdr(snaplen, **kw)
    for n, ln in enumerate(lens):
        b += pcap_rec(n, ln, min(ln, snaplen))
    return b


def opt(code, val):
    pad = (4 - len(val) % 4) % 4
    return struct.pack('<HH', code, len(val)) + val + bytes(pad)


def block(btype, body):
    ln = 12 + len(body)
    return struct.pack('<II', btype, ln) + body + struct.pack('<I', ln)


def ng_hdr(snaplen=65535, ifname=b'eth0'):
    shb = struct.pack('<IHHq', BOM, 1, 0, -1)
    shb += opt(4, b'tg3cap-reader 0.1.0') + opt(0, b'')
    idb = struct.pack('<HHI', 1, 0, snaplen)
    idb += opt(2, ifname) + opt(9, bytes([9])) + opt(0, b'')
    return block(SHB, shb) + block(IDB, idb)


def epb(n, length, caplen=None, ns=None, ifid=0):
    caplen = length if caplen is None else caplen
    ns = T0 * 10**9 + n * 1000 if ns is None else ns
    data = frame(n, caplen)
    data += bytes((4 - caplen % 4) % 4)
    return block(EPB, struct.pack('<IIIII', ifid, ns >> 32,
                                  ns & 0xffffffff, caplen, length) + data)


def idb_trailer(hdr, v):
    """@hdr (SHB and IDB) with the IDB's second length set to @v"""
    return hdr[:-4] + struct.pack('<I', v)


def isb(recv, drop, deliv):
    ns = T0 * 10**9 + 5 * 10**9
    body = struct.pack('<III', 0, ns >> 32, ns & 0xffffffff)
    for code, v in ((2, T0 * 10**9), (3, ns), (4, recv), (7, drop),
                    (8, deliv)):
        body += opt(code, struct.pack('<Q', v))
    return block(ISB, body + opt(0, b''))


def ng_file(lens, snaplen=65535, end=True):
    b = ng_hdr(snaplen)
    for n, ln in enumerate(lens):
        b += epb(n, ln, min(ln, snaplen))
    return b + (isb(len(lens), 0, len(lens)) if end else b'')


def args(*a):
    return b'\0'.join(x.encode() for x in a)


def num(sel, s, lo=0, hi=0, unit=0):
    return bytes([sel]) + struct.pack('<QQQ', lo, hi, unit) + s.encode()


def seeds():
    s = {}
    pc = pcap_file([60, 64, 1514])
    pcs = pcap_file([60, 1514, 200], snaplen=96)
    ng = ng_file([60, 61, 1514])
    s['pcap'] = {
        'three': pc,
        'snaplen96': pcs,
        'cut': pc[:len(pc) - 700],
        'cut-header': pc[:24 + 10],
        'zero-tail': pc + bytes(96),
        'header-only': pcap_hdr(),
        'room-limit': pcap_file([60, 64, 100], sigfigs=100, thiszone=2),
        'bad-nsec': pcap_hdr() + pcap_rec(0, 60) +
        pcap_rec(1, 60, nsec=10**9),
        'caplen-over-len': pcap_hdr() + pcap_rec(0, 60) +
        pcap_rec(1, 60, caplen=70)[:16] + frame(1, 70),
        'short': pc[:20],
    }
    s['pcapng'] = {
        'three': ng,
        'cut': ng[:len(ng) - 900],
        'zero-tail': ng_file([60, 64], end=False) + bytes(64),
        'header-only': ng_hdr(),
        'snaplen96': ng_file([60, 1514, 96], snaplen=96),
        'bad-trailer': ng_hdr() + epb(0, 60) + epb(1, 60)[:-4] +
        b'\1\0\0\0',
        'short-epb': ng_hdr() + block(EPB, bytes(8)),
    }
    foreign = b'\xd4\xc3\xb2\xa1' + pc[4:]  # microsecond pcap
    s['repair'] = {
        'pcap': b'\0' + pc,
        'pcap-cut': b'\0' + pc[:len(pc) - 700],
        'pcap-tail': bytes([4 << 2]) + pc,
        'pcap-pattern': bytes([2 | 1 << 2]) + pcs,
        'pcapng': b'\1' + ng,
        'pcapng-cut': b'\1' + ng[:len(ng) - 900],
        'pcapng-tail': bytes([1 | 2 << 2]) + ng_file([60, 64], end=False),
        'pcapng-pattern': bytes([1 | 2]) + ng_file([100, 64], end=False),
        'pcapng-as-pcap': b'\0' + ng,
        'header-only': b'\0' + pcap_hdr(),
        'zeros': bytes([1 << 2]) + bytes(40),
        'foreign': b'\0' + foreign,
        # bit 7: the final name is taken by another file
        'pcap-taken': bytes([0x80]) + pc[:len(pc) - 700],
        'pattern-taken': bytes([0x80 | 3]) + ng_file([60, 64], end=False),
        # crashes repair had: a header snaplen of 0xffffffff took a
        # 70000-byte record (its data the zero tail); a 12-byte EPB and
        # one whose caplen passes its end were kept; the strftime name
        # of a file whose first block is not an EPB came from its bytes
        'snaplen-huge': bytes([9 << 2]) + pcap_hdr(0xffffffff) +
        pcap_rec(0, 60) + struct.pack('<IIII', T0, 0, 70000, 70000),
        'epb-12': b'\1' + ng_hdr() + epb(0, 60) + block(EPB, b''),
        'epb-caplen': b'\1' + ng_hdr() + epb(0, 60) +
        block(EPB, struct.pack('<IIIII', 0, 0, 0, 200, 200) + bytes(64)),
        'pattern-first-block': b'\3' + ng_hdr() + block(0x99, b'') +
        epb(0, 60),
        # found by the fuzzer: an IDB whose two lengths differ, an EPB
        # of an interface the file does not describe (libpcap refuses
        # both files)
        'idb-trailer': b'\1' + idb_trailer(ng_hdr(), 0) + epb(0, 60),
        'epb-interface': b'\1' + ng_hdr() + epb(0, 60, ifid=1),
        # and an EPB whose caplen is over the IDB's snaplen (libpcap
        # refuses it; repair of pcap cuts such a record)
        'epb-over-snaplen': b'\1' + ng_hdr(64) + epb(0, 60) + epb(1, 100),
    }
    s['num'] = {
        'u64': num(0, '1514', 0, 65535),
        'u64-big': num(0, '18446744073709551616'),
        'u64-sign': num(0, '-1'),
        'size-k': num(1, '64k', 8192, 1 << 30, 1),
        'size-mb': num(1, '128', 4096, 1 << 40, 1000000),
        'size-G': num(1, '3G', 0, 0, 1),
        'size-over': num(1, '17179869184g', 0, 0, 1),
        'size-b': num(1, '4096b', 4096, 0, 1000000),
    }
    s['cli'] = {
        'basic': args('-i', 'eth0', '-w', '/data/cap'),
        'stream': args('-i', 'eth1', '-w', '-', '-q', '-s', '128'),
        'rotate': args('-i', 'eth0', '-i', 'eth1', '-w',
                       '/data/cap-%Y%m%d-%H%M%S', '-G', '60', '-W',
                       '1440', '-C', '1g', '-z', 'gzip'),
        'long': args('--interface=eth0', '--write', '/d/c', '--format',
                     'pcapng', '--ring-size', '64k', '--seg-size', '16k',
                     '--snaplen', '9000', '--hook', 'ingress', '--mode',
                     'divert', '--io', 'mmap', '--merge',
                     '--buffer-timeout', '0'),
        'retention': args('-i', 'eth0', '-w', '/d/c', '-C', '100',
                          '--max-disk', '10g', '--min-free', '5%'),
        'fake': args('--fake-source', '1000:64:2:100', '-w', '/tmp/b',
                     '-c', '10', '--stats-json', '/tmp/s.json',
                     '--stats-interval', '5', '--summary-interval', '0'),
        'metrics': args('-i', 'eth0', '-i', 'eth1', '-w', '/d/c',
                        '--metrics', 'auto', '--metrics', '/m/x.prom'),
        'filter': args('-i', 'eth0', '-w', '/d/c', '-p', 'not', 'port',
                       '22'),
        'filter-file': args('-qpi', 'eth0', '-F', '/etc/f', '-w/d/c',
                            '--no-merge', '--no-prefault', '-Z', 'pcap'),
        'help': args('-i', 'eth0', '-h'),
        'version': args('--version'),
        'list': args('-D'),
        'bad': args('-i', 'eth0', '-w', '/d/c', '--seg-size', '4k'),
    }
    s['series'] = {
        'time': series(0, 'cap-%Y%m%d-%H%M%S', 'cap',
                       'cap-20251124-160000.000123.pcap',
                       'cap.000001.pcap.part',
                       'cap-%Y%m%d-%H%M%S.000001.pcapng.part',
                       'other.000001.pcap', 'cap.000001.pcap.gz'),
        'iso': series(1, '%F_%T', '%s', '2025-11-24_17:00:00.000001.pcap',
                      '1764000000.1234567.pcapng'),
        'words': series(2, 'x%a%b%e%k%l%p%Z%z', 'x%A%B%P%h',
                        'xMonNov 1 1 1PMUTC+0000.000009.pcap'),
        'numbers': series(3, 'n%j%U%W%V%u%w%G%g%C%y%I%M%R', 'n%H',
                          'n00.000000.pcap'),
        'modifiers': series(4, 'm%EY%Od%OH%Ey', 'm%Y', 'm2025.000001.pcap'),
        'literal': series(0, 'a%b', 'a.000001.pcap', 'a%b.000001.pcap',
                          'a.000001.pcap.000002.pcap.xz'),
        'percent': series(5, 'p%%q', 'p%q', 'p%q.123456789.pcap'),
        'refused': series(0, 'c%c%D', 'x/y', ''),
        # found by the fuzzer: glibc writes %OY as it is, not a year
        'modifier-OY': series(0, 'cap-%OY', 'cap', t=1764003600, seq=1),
    }
    s['index'] = index_seeds()
    return s


def crc32c(b):
    crc = 0xffffffff
    for x in b:
        crc ^= x
        for _ in range(8):
            crc = (crc >> 1) ^ 0x82f63b78 if crc & 1 else crc >> 1
    return crc ^ 0xffffffff


def index(data_len, shift, blocks, keys, records=0, first=0, last=0,
          pshift=9):
    """an index (pktindex.h): @blocks (off, min_ns, max_ns), @keys
    (key, block), in parts of 1 << @pshift pairs"""
    keys = sorted(keys)
    per = 1 << pshift
    parts = [keys[i:i + per] for i in range(0, len(keys), per)]
    pairs = [b''.join(struct.pack('<II', *k) for k in p) for p in parts]
    table = b''.join(struct.pack('<II', p[0][0], crc32c(b))
                     for p, b in zip(parts, pairs))
    head = b''.join(struct.pack('<QQQ', *b) for b in blocks) + table

    def hdr(crc):
        return b'TG3CIDX1' + struct.pack('<IIQQQQIIIIIIII', 2, 80, data_len,
                                         records, first, last, shift,
                                         len(blocks), len(keys), crc, 0,
                                         pshift, len(parts), 0)
    # the head's CRC (header, blocks, part table), its own field 0
    return hdr(crc32c(hdr(0) + head)) + head + b''.join(pairs)


def rich_frame(n):
    """frames with what the index keys: VLAN, IPv4/IPv6, ports, ARP"""
    eth = bytes([0xff] * 6 + [2, 0, 0, 0, 0, 1])
    v4 = bytes([10, 0, 0, n & 7])
    if n % 4 == 0:
        return eth + b'\x08\x00' + bytes([0x45, 0, 0, 40, 0, 0, 0, 0, 64,
                                          6, 0, 0]) + v4 + \
            bytes([10, 0, 1, 1]) + struct.pack('>HH', 80, 1024 + n) + \
            bytes(16 + 8 * n)
    if n % 4 == 1:
        return eth + b'\x81\x00' + struct.pack('>H', 100) + b'\x86\xdd' + \
            bytes([0x60, 0, 0, 0, 0, 8, 17, 64]) + \
            bytes(15) + bytes([n]) + bytes(15) + bytes([1]) + \
            struct.pack('>HHHH', 53, 2000 + n, 8, 0) + bytes(8 * n)
    if n % 4 == 2:
        return eth + b'\x08\x06' + struct.pack('>HHBBH', 1, 0x800, 6, 4, 1) + \
            bytes(6) + v4 + bytes(6) + bytes([10, 0, 1, 1]) + bytes(18)
    return eth + b'\x08\x00' + bytes([0x45, 0, 0, 40, 0, 0, 0x20, 1, 64,
                                      17, 0, 0]) + v4 + bytes(4 + 8 * n)


def rich_pcap(count):
    b = pcap_hdr(262144)
    for n in range(count):
        f = rich_frame(n)
        b += struct.pack('<IIII', T0 + n // 3, (n * 7919) % 10**9,
                         len(f), len(f)) + f
    return b


def rich_ng(count):
    b = ng_hdr(262144)
    for n in range(count):
        f = rich_frame(n)
        ns = T0 * 10**9 + n * 1000
        b += block(EPB, struct.pack('<IIIII', 0, ns >> 32, ns & 0xffffffff,
                                    len(f), len(f)) + f +
                   bytes((4 - len(f) % 4) % 4))
        if n == 20:
            b += isb(n, 0, n)
    return b + isb(count, 0, count)


def index_seeds():
    """fuzz_index.c: byte 0 picks the mode, then 4 edits of 3 bytes"""
    pc = rich_pcap(60)
    ng = rich_ng(50)
    no_edits = bytes(12)
    edits = struct.pack('<HBHBHBHB', 80, 1, 100, 0x80, 30, 1, 20, 2)
    t = T0 * 10**9
    small = index(4200, 12, [(24, t, t + 5), (4200, 2**64 - 1, 0)],
                  [(0x1234, 0), (0x9999, 0), (0x9999, 1)], 3, t, t + 5)
    # parts of 4 pairs: a key across two parts, one alone in a part
    parts = index(8192, 12, [(24, t, t + 5), (4200, t + 6, t + 9),
                             (8192, 2**64 - 1, 0)],
                  [(0x10, 0), (0x20, 0), (0x30, 0), (0x30, 1),
                   (0x30, 2), (0x40, 1), (0x50, 2), (0x60, 0),
                   (0x60, 1)], 9, t, t + 9, pshift=2)
    return {
        'capture-pcap': bytes([0x01]) + no_edits + pc,
        'capture-pcap-blocks-8k': bytes([0x03]) + no_edits + pc,
        'capture-pcapng': bytes([0x05]) + no_edits + ng,
        'capture-cut': bytes([0x01]) + no_edits + pc[:len(pc) - 7],
        'capture-edited': bytes([0x09]) + edits + pc,
        'capture-edited-crc': bytes([0x19]) + edits + pc,
        'index-small': b'\x00' + small,
        'index-parts': b'\x00' + parts,
        'capture-pcap-parts-4': bytes([0x01]) + no_edits + pc,
        'capture-pcap-parts-32': bytes([0x61]) + no_edits + pc,
        'index-no-records': b'\x00' + index(24, 12, [(24, 2**64 - 1, 0)], []),
        'index-bad-crc': b'\x00' + small[:60] + b'\0\0\0\0' + small[64:],
        'index-cut': b'\x00' + small[:len(small) - 8],
    }


def series(zone, *tok, t=T0 + 3600, seq=123):
    return bytes([zone << 2]) + struct.pack('<QI', t, seq) + \
        b'\0'.join(x.encode() for x in tok)


def main():
    names = sys.argv[1:]
    total = 0
    for name, files in seeds().items():
        if names and name not in names:
            continue
        d = os.path.join(OUT, name)
        shutil.rmtree(d, ignore_errors=True)
        os.makedirs(d)
        for fn, b in files.items():
            with open(os.path.join(d, fn), 'wb') as f:
                f.write(b)
            total += len(b)
    print('%d bytes of seeds' % total)


if __name__ == '__main__':
    main()
