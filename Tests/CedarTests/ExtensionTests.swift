import Testing

@testable import Cedar

@Suite("Extensions")
struct ExtensionTests {
    @Test(arguments: ["127.0.0.1", "10.0.0.0/8", "::1", "::", "1:2:3:4:5:6:7:8", "ff00::/8", "::ffff:ff00:1", "0.0.0.0/0"])
    func acceptsAddresses(_ s: String) { #expect(IPAddr(parsing: s) != nil) }

    @Test(arguments: [
        "01.0.0.1", "1.2.3", "1.2.3.4/33", "1.2.3.4/08", "::ffff:1.2.3.4", "1::2::3", "1:2:3:4:5:6:7:8:9",
        "1.2.3.256", "", "1.2.3.4/", "fe80::1%eth0", "1:2:3:4:5:6:7::8", "12345::",
    ])
    func rejectsAddresses(_ s: String) { #expect(IPAddr(parsing: s) == nil) }

    @Test func ipPredicates() throws {
        #expect(
            try evaluate("ip(\"10.1.2.3\").isInRange(ip(\"10.0.0.0/8\")) && !ip(\"11.0.0.0\").isInRange(ip(\"10.0.0.0/8\"))") == .bool(true)
        )
        #expect(try evaluate("ip(\"10.0.0.0/7\").isInRange(ip(\"10.0.0.0/8\"))") == .bool(false))
        #expect(try evaluate("ip(\"::1\").isInRange(ip(\"0.0.0.0/0\"))") == .bool(false))
        #expect(try evaluate("ip(\"127.9.9.9\").isLoopback() && ip(\"::1\").isLoopback() && !ip(\"::2\").isLoopback()") == .bool(true))
        #expect(
            try evaluate("ip(\"224.0.0.1\").isMulticast() && !ip(\"224.0.0.0/3\").isMulticast() && ip(\"ff02::1\").isMulticast()")
                == .bool(true))
        #expect(try evaluate("ip(\"10.0.0.1/24\") == ip(\"10.0.0.0/24\")") == .bool(false))
        #expect(try evaluate("ip(\"1.2.3.4\").isIpv4() && ip(\"::\").isIpv6()") == .bool(true))
    }

    @Test func decimals() throws {
        #expect(CedarDecimal(parsing: "1.5")?.scaled == 15000)
        #expect(CedarDecimal(parsing: "-0.0001")?.scaled == -1)
        #expect(CedarDecimal(parsing: "922337203685477.5807")?.scaled == .max)
        #expect(CedarDecimal(parsing: "-922337203685477.5808")?.scaled == .min)
        for bad in ["1", "1.", ".5", "1.23456", "+1.0", "922337203685477.5808", "1e3"] { #expect(CedarDecimal(parsing: bad) == nil) }
        #expect(try evaluate("decimal(\"1.0\") == decimal(\"1.0000\") && decimal(\"1.1\").lessThan(decimal(\"1.2\"))") == .bool(true))
        #expect(
            try evaluate(
                "decimal(\"-1.5\").greaterThanOrEqual(decimal(\"-1.5\")) && !decimal(\"2.0\").lessThanOrEqual(decimal(\"1.9999\"))")
                == .bool(true))
    }

    @Test func datetimes() throws {
        #expect(CedarDatetime(parsing: "1970-01-01")?.epochMilliseconds == 0)
        #expect(CedarDatetime(parsing: "1970-01-02T00:00:00Z")?.epochMilliseconds == 86_400_000)
        #expect(CedarDatetime(parsing: "1970-01-01T01:00:00.250+0100")?.epochMilliseconds == 250)
        #expect(CedarDatetime(parsing: "1969-12-31T23:59:59.999Z")?.epochMilliseconds == -1)
        #expect(CedarDatetime(parsing: "2024-02-29")?.epochMilliseconds == 1_709_164_800_000)
        for bad in [
            "2025-02-29", "2024-01-01T00:00:00", "2024-01-01T24:00:00Z", "2024-01-01T00:00:60Z", "2024-1-01",
            "2024-01-01T00:00:00+2400", "2024-01-01T00:00:00.1Z", "10000-01-01", "2024-01-01Z",
        ] {
            #expect(CedarDatetime(parsing: bad) == nil, "\(bad)")
        }
        #expect(try evaluate("datetime(\"1969-12-31T23:00:00Z\").toDate() == datetime(\"1969-12-31\")") == .bool(true))
        #expect(try evaluate("datetime(\"1969-12-31T23:00:00Z\").toTime() == duration(\"23h\")") == .bool(true))
        #expect(try evaluate("datetime(\"2024-01-01\").offset(duration(\"1d2h\")) > datetime(\"2024-01-02T01:59:59Z\")") == .bool(true))
        #expect(try evaluate("datetime(\"2024-01-02\").durationSince(datetime(\"2024-01-01\")).toHours()") == .long(24))
        #expect(try evaluationError("datetime(\"2024-01-01\").offset(duration(\"9223372036854775807ms\"))") == .extensionError)
    }

    @Test func durations() throws {
        #expect(CedarDuration(parsing: "1d2h3m4s5ms")?.milliseconds == 93_784_005)
        #expect(CedarDuration(parsing: "-1s")?.milliseconds == -1000)
        #expect(CedarDuration(parsing: "-9223372036854775808ms")?.milliseconds == .min)
        #expect(CedarDuration(parsing: "5ms")?.milliseconds == 5)
        for bad in ["", "-", "1h1d", "1x", "1d1d", "9223372036854775808ms", "106751991167301d", "1.5h", "h"] {
            #expect(CedarDuration(parsing: bad) == nil, "\(bad)")
        }
        #expect(try evaluate("duration(\"-90m\").toHours()") == .long(-1))
        #expect(try evaluate("duration(\"1500ms\").toSeconds() + duration(\"2d\").toDays() + duration(\"61s\").toMinutes()") == .long(4))
    }
}
