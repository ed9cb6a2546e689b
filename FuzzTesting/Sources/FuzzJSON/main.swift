// libFuzzer entry for WicketJSON, the one strict reader every module uses: it must never trap, a
// document it accepts must read the same with `keepLast` (no key repeats in it), and the writer's text
// of any value it returns must read back as the same value (byte-exact keys and strings, number text).
// Built and run by ./fuzz.sh with the other targets.
import FuzzSupport
import WicketJSON

private let strict = JSONParser(limits: .init(maxBytes: 1 << 20, maxDepth: 64))
private let lenient = JSONParser(limits: .init(maxBytes: 1 << 20, maxDepth: 64), repeatedKeys: .keepLast)
private let rereader = JSONParser(limits: .init(maxBytes: .max, maxDepth: 64))

public func fuzzJSON(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    let raw = UnsafeRawBufferPointer(start: data, count: size)
    let refused = try? strict.parse(raw)
    let kept = try? lenient.parse(raw)
    if let refused {
        guard let kept, kept == refused else { fatalError("keepLast reads a document without repeated keys differently") }
    }
    if let kept {
        guard let again = try? rereader.parse(kept.encoded), again == kept else {
            fatalError("the written JSON does not read back as the same value")
        }
    }
    return 0
}

@_cdecl("FuzzJSON_main")
public func entryPoint(_ argc: CInt, _ argv: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?) -> CInt {
    runFuzzer(argc, argv, fuzzJSON)
}
