import Testing

@testable import WicketStore

@Suite struct PGBytesTests {
    @Test func byteaTextRoundTrips() {
        let bytes: [UInt8] = [0, 1, 0x7f, 0x80, 0xfe, 0xff]
        #expect(PGBytes.encode(bytes) == #"\x00017f80feff"#)
        #expect(PGBytes.decode(PGBytes.encode(bytes)) == bytes)
        #expect(PGBytes.decode(#"\x"#) == [])
        #expect(PGBytes.decode(#"\xABcd"#) == [0xab, 0xcd])
    }

    @Test(arguments: ["", "00", #"\x0"#, #"\xzz"#, "x00"])
    func refusesWhatIsNotBytea(text: String) {
        #expect(PGBytes.decode(text) == nil)
    }

    @Test func passwordIsNeverInMessages() {
        let settings = PGSettings(conninfo: "host=db1 password=hunter2 user=x")
        #expect(!settings.redacted.contains("hunter2"))
    }
}
