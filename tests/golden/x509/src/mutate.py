#!/usr/bin/env python3
"""mutate.py OP IN OUT — derive a golden input from another by editing its bytes.

Ops (IN is a DER certificate):
  trailing       append the 4 bytes de ad be ef after the certificate
  ber_long_len   re-encode the subject's commonName string with a non-minimal long-form length
                 (0x81 n instead of n; X.690 10.1 forbids it in DER), fixing every enclosing length
  ber_indefinite re-encode the outer Certificate SEQUENCE with an indefinite length
                 (30 80 ... 00 00; X.690 8.1.3.6, not DER)
  truncate       keep the first 120 bytes
  outer_set      change the outer tag from SEQUENCE (30) to SET (31)
  empty          an empty file
  serial_pad     write the serial with a superfluous leading 00 octet (02 05 01.. -> 02 06 00 01..;
                 X.690 8.3.2 forbids it), fixing every enclosing length
  spki_overrun   set the subjectPublicKeyInfo length octet to 7f (127), more than is left in
                 the TBSCertificate
Prints the byte offsets the expected files refer to (element starts, counted from 0)."""
import sys


def parse(buf, off=0, end=None):
    """A tiny DER reader: list of (offset, tag, header_len, content_len, children|None)."""
    end = len(buf) if end is None else end
    out = []
    while off < end:
        start, tag = off, buf[off]
        n = buf[off + 1]
        off += 2
        if n & 0x80:
            k = n & 0x7f
            n = int.from_bytes(buf[off:off + k], 'big')
            off += k
        hdr = off - start
        kids = parse(buf, off, off + n) if tag & 0x20 else None
        out.append((start, tag, hdr, n, kids))
        off += n
    return out


def enc_len(n, long_form=False):
    if n < 0x80 and not long_form:
        return bytes([n])
    b = n.to_bytes(max(1, (n.bit_length() + 7) // 8), 'big')
    return bytes([0x80 | len(b)]) + b


def encode(buf, node, target, pad=None):
    start, tag, hdr, n, kids = node
    if kids is not None:
        body = b''.join(encode(buf, k, target, pad) for k in kids)
    else:
        body = buf[start + hdr:start + hdr + n]
        if node is pad:
            body = b'\x00' + body
    return bytes([tag]) + enc_len(len(body), node is target) + body


def tbs_fields(buf):
    cert = parse(buf)[0]
    tbs = cert[4][0]
    f = tbs[4]
    if f[0][1] == 0xa0:  # [0] version
        f = f[1:]
    return cert, tbs, {'serial': f[0], 'sig': f[1], 'issuer': f[2], 'validity': f[3],
                       'subject': f[4], 'spki': f[5]}


def main():
    op, src, dst = sys.argv[1:4]
    buf = open(src, 'rb').read()
    cert, tbs, f = tbs_fields(buf)
    if op == 'trailing':
        out = buf + bytes.fromhex('deadbeef')
    elif op == 'ber_long_len':
        cn = f['subject'][4][-1][4][0][4][1]  # last RDN, its attribute, the value
        print('commonName value at byte', cn[0])
        out = encode(buf, cert, cn)
    elif op == 'serial_pad':
        print('serial at byte', f['serial'][0])
        out = encode(buf, cert, None, f['serial'])
    elif op == 'ber_indefinite':
        body = buf[cert[0] + cert[2]:]
        out = b'\x30\x80' + body + b'\x00\x00'
    elif op == 'truncate':
        out = buf[:120]
    elif op == 'outer_set':
        out = b'\x31' + buf[1:]
    elif op == 'empty':
        out = b''
    elif op == 'spki_overrun':
        spki = f['spki']
        assert spki[2] == 2 and spki[3] < 0x7f
        tbs_end = tbs[0] + tbs[2] + tbs[3]
        print('spki at byte', spki[0], '; bytes left in the TBS after its header:', tbs_end - spki[0] - 2)
        out = bytearray(buf)
        out[spki[0] + 1] = 0x7f
        out = bytes(out)
    else:
        sys.exit('unknown op ' + op)
    open(dst, 'wb').write(out)


if __name__ == '__main__':
    main()
