#!/usr/bin/python3
"""Test-only traffic tool for firewall.itest.ts: a raw sender (scapy) and small listeners.

Runs inside a namespace (`ip netns exec NS /usr/bin/python3 fwtool.py CMD ...`). Listeners print
"ready" once bound, then one line per event, flushed.

  send IFACE JSON          send the frames described by a JSON list, in order (see build())
  ask-arp IFACE JSON TMO   send one ARP request (JSON as for send), print "reply <hwsrc>" or "none"
  udp-listen PORT          print "<source-address> <payload>" per datagram (IPv4 and IPv6, any address)
  tcp-listen ADDR PORT     accept connections, print "accepted <peer>" per connection
  tcp-connect ADDR PORT TMO  print "connected", "refused" or "timeout"
"""
import json
import socket
import sys


def build(p):
    from scapy.layers.inet import IP, UDP
    from scapy.layers.inet6 import IPv6, ICMPv6ND_NA, ICMPv6NDOptDstLLAddr
    from scapy.layers.l2 import ARP, Ether

    eth = Ether(src=p["srcMac"], dst=p.get("dstMac", "ff:ff:ff:ff:ff:ff"))
    kind = p["kind"]
    if kind == "udp":
        ip = IPv6(src=p["srcIp"], dst=p["dstIp"]) if ":" in p["dstIp"] else IP(src=p["srcIp"], dst=p["dstIp"])
        return eth / ip / UDP(sport=p["sport"], dport=p["dport"]) / p["payload"].encode()
    if kind == "dhcp-discover":
        from scapy.layers.dhcp import BOOTP, DHCP
        mac = bytes.fromhex(p["srcMac"].replace(":", ""))
        return (eth / IP(src="0.0.0.0", dst="255.255.255.255") / UDP(sport=68, dport=67)
                / BOOTP(chaddr=mac, xid=p.get("xid", 1)) / DHCP(options=[("message-type", "discover"), "end"]))
    if kind == "arp":
        return eth / ARP(op=p.get("op", 1), hwsrc=p.get("arpMac", p["srcMac"]), psrc=p["senderIp"],
                         hwdst="00:00:00:00:00:00", pdst=p["targetIp"])
    if kind == "na":
        return (eth / IPv6(src=p["srcIp"], dst=p["dstIp"], hlim=255)
                / ICMPv6ND_NA(tgt=p["target"], R=0, S=0, O=1) / ICMPv6NDOptDstLLAddr(lladdr=p["srcMac"]))
    raise SystemExit(f"unknown frame kind {kind}")


def main(argv):
    cmd = argv[1]
    if cmd == "send":
        from scapy.sendrecv import sendp
        for p in json.loads(argv[3]):
            sendp(build(p), iface=argv[2], verbose=False)
        print("sent", flush=True)
    elif cmd == "ask-arp":
        from scapy.layers.l2 import ARP
        from scapy.sendrecv import srp1
        reply = srp1(build(json.loads(argv[3])), iface=argv[2], timeout=float(argv[4]), verbose=False)
        print(f"reply {reply[ARP].hwsrc}" if reply is not None and ARP in reply else "none", flush=True)
    elif cmd == "udp-listen":
        s = socket.socket(socket.AF_INET6, socket.SOCK_DGRAM)
        s.setsockopt(socket.IPPROTO_IPV6, socket.IPV6_V6ONLY, 0)
        s.bind(("::", int(argv[2])))
        print("ready", flush=True)
        while True:
            data, addr = s.recvfrom(2048)
            src = addr[0][7:] if addr[0].startswith("::ffff:") else addr[0]
            text = data.decode() if all(32 <= b < 127 for b in data) else f"binary:{len(data)}"
            print(f"{src} {text}", flush=True)
    elif cmd == "tcp-listen":
        fam = socket.AF_INET6 if ":" in argv[2] else socket.AF_INET
        s = socket.socket(fam, socket.SOCK_STREAM)
        s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        s.bind((argv[2], int(argv[3])))
        s.listen(16)
        print("ready", flush=True)
        while True:
            c, addr = s.accept()
            print(f"accepted {addr[0]}", flush=True)
            c.close()
    elif cmd == "tcp-connect":
        fam = socket.AF_INET6 if ":" in argv[2] else socket.AF_INET
        s = socket.socket(fam, socket.SOCK_STREAM)
        s.settimeout(float(argv[4]))
        try:
            s.connect((argv[2], int(argv[3])))
            print("connected", flush=True)
        except socket.timeout:
            print("timeout", flush=True)
        except ConnectionRefusedError:
            print("refused", flush=True)
        finally:
            s.close()
    else:
        raise SystemExit(__doc__)


if __name__ == "__main__":
    main(sys.argv)
