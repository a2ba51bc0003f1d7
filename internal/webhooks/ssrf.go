package webhooks

import "net/netip"

// blocked are the ranges no delivery may reach without
// --webhooks-allow-private-urls, beyond what netip's predicates cover:
// CGNAT, the IETF protocol assignments, benchmarking, the documentation
// ranges, 6to4 relays, NAT64 (whose IPv4 half could be private), the
// discard prefix and the reserved 240/4.
var blocked = []netip.Prefix{
	netip.MustParsePrefix("0.0.0.0/8"),
	netip.MustParsePrefix("100.64.0.0/10"),
	netip.MustParsePrefix("192.0.0.0/24"),
	netip.MustParsePrefix("192.0.2.0/24"),
	netip.MustParsePrefix("192.88.99.0/24"),
	netip.MustParsePrefix("198.18.0.0/15"),
	netip.MustParsePrefix("198.51.100.0/24"),
	netip.MustParsePrefix("203.0.113.0/24"),
	netip.MustParsePrefix("240.0.0.0/4"),
	netip.MustParsePrefix("64:ff9b::/96"),
	netip.MustParsePrefix("64:ff9b:1::/48"),
	netip.MustParsePrefix("100::/64"),
	netip.MustParsePrefix("2001::/23"),
	netip.MustParsePrefix("2001:db8::/32"),
	netip.MustParsePrefix("2002::/16"),
}

// PublicAddr reports whether a is a public unicast address a webhook may
// be delivered to: not loopback, private, link-local (the cloud metadata
// address 169.254.169.254 among them), unspecified, multicast, CGNAT or
// any other special-purpose range. An IPv4-mapped IPv6 address is judged
// as its IPv4 address.
func PublicAddr(a netip.Addr) bool {
	a = a.Unmap()
	if !a.IsValid() || a.Zone() != "" || !a.IsGlobalUnicast() || a.IsPrivate() ||
		a.IsLoopback() || a.IsLinkLocalUnicast() || a.IsUnspecified() || a.IsMulticast() {
		return false
	}
	for _, p := range blocked {
		if p.Contains(a) {
			return false
		}
	}
	return true
}
