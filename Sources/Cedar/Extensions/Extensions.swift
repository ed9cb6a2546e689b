/// The extension functions (`ip`, `decimal`, `datetime`, `duration` and their methods).
public enum Extensions {
    /// Function names callable in function style (`ip("...")`).
    public static let constructors: Set<String> = ["ip", "decimal", "datetime", "duration"]

    /// Method names and their arity including the receiver.
    public static let methods: [String: Int] = [
        "isIpv4": 1, "isIpv6": 1, "isLoopback": 1, "isMulticast": 1, "isInRange": 2,
        "lessThan": 2, "lessThanOrEqual": 2, "greaterThan": 2, "greaterThanOrEqual": 2,
        "offset": 2, "durationSince": 2, "toDate": 1, "toTime": 1,
        "toDays": 1, "toHours": 1, "toMinutes": 1, "toSeconds": 1, "toMilliseconds": 1,
    ]

    /// Builds an extension value from a constructor name and its string argument; `nil` if invalid.
    public static func construct(_ fn: String, _ arg: String) -> ExtensionValue? {
        switch fn {
        case "ip": return IPAddr(parsing: arg).map { .ipaddr($0) }
        case "decimal": return CedarDecimal(parsing: arg).map { .decimal($0) }
        case "datetime": return CedarDatetime(parsing: arg).map { .datetime($0) }
        case "duration": return CedarDuration(parsing: arg).map { .duration($0) }
        default: return nil
        }
    }

    /// Applies an extension function (constructor or method, receiver first) to evaluated arguments.
    public static func call(_ fn: String, _ args: [Value]) throws(EvaluationError) -> Value {
        guard args.count <= 2 else {
            guard constructors.contains(fn) || methods[fn] != nil else {
                throw EvaluationError(.unknownFunction, "`\(fn)` is not a known function")
            }
            throw arity(fn, constructors.contains(fn) ? 1 : methods[fn] ?? 1, args.count)
        }
        return try apply(fn, args.count, args.first ?? .bool(false), args.count > 1 ? args[1] : .bool(false))
    }

    /// `call` without an argument array: `argc` arguments in `a0`, `a1`.
    static func apply(_ fn: String, _ argc: Int, _ a0: Value, _ a1: Value) throws(EvaluationError) -> Value {
        // A plain switch: small-string comparisons are cheaper than hashing `fn` into a table.
        func need(_ n: Int) throws(EvaluationError) {
            guard argc == n else { throw arity(fn, n, argc) }
        }
        let args = (a0, a1)
        switch fn {
        case "ip", "decimal", "datetime", "duration":
            try need(1)
            guard case .string(let s) = args.0 else { throw .type(expected: "string", got: args.0) }
            guard let v = construct(fn, s) else {
                throw EvaluationError(.extensionError, "`\(s)` is not a valid argument for `\(fn)`")
            }
            return .ext(v)
        case "isInRange":
            try need(2)
            return .bool(try ip(args.0).isInRange(try ip(args.1)))
        case "isIpv4":
            try need(1)
            return .bool(try ip(args.0).isIPv4)
        case "isIpv6":
            try need(1)
            return .bool(try ip(args.0).isIPv6)
        case "isLoopback":
            try need(1)
            return .bool(try ip(args.0).isLoopback)
        case "isMulticast":
            try need(1)
            return .bool(try ip(args.0).isMulticast)
        case "lessThan":
            try need(2)
            return .bool(try dec(args.0) < dec(args.1))
        case "lessThanOrEqual":
            try need(2)
            return .bool(try dec(args.0) <= dec(args.1))
        case "greaterThan":
            try need(2)
            return .bool(try dec(args.0) > dec(args.1))
        case "greaterThanOrEqual":
            try need(2)
            return .bool(try dec(args.0) >= dec(args.1))
        case "offset":
            try need(2)
            let d = try datetime(args.0)
            guard let r = d.offset(try duration(args.1)) else {
                throw EvaluationError(.extensionError, "overflow when adding an offset to a datetime")
            }
            return .ext(.datetime(r))
        case "durationSince":
            try need(2)
            let d = try datetime(args.0)
            guard let r = d.durationSince(try datetime(args.1)) else {
                throw EvaluationError(.extensionError, "overflow when computing the duration between datetimes")
            }
            return .ext(.duration(r))
        case "toDate":
            try need(1)
            guard let r = try datetime(args.0).toDate() else {
                throw EvaluationError(.extensionError, "overflow when computing the date of a datetime")
            }
            return .ext(.datetime(r))
        case "toTime":
            try need(1)
            return .ext(.duration(try datetime(args.0).toTime()))
        case "toDays":
            try need(1)
            return .long(try duration(args.0).toDays)
        case "toHours":
            try need(1)
            return .long(try duration(args.0).toHours)
        case "toMinutes":
            try need(1)
            return .long(try duration(args.0).toMinutes)
        case "toSeconds":
            try need(1)
            return .long(try duration(args.0).toSeconds)
        case "toMilliseconds":
            try need(1)
            return .long(try duration(args.0).toMilliseconds)
        default:
            throw EvaluationError(.unknownFunction, "`\(fn)` is not a known function")
        }
    }

    static func arity(_ fn: String, _ expected: Int, _ got: Int) -> EvaluationError {
        EvaluationError(.unknownFunction, "`\(fn)` takes \(expected) argument(s), got \(got)")
    }

    static func ip(_ v: Value) throws(EvaluationError) -> IPAddr {
        if case .ext(.ipaddr(let x)) = v { return x }
        throw .type(expected: "ipaddr", got: v)
    }
    static func dec(_ v: Value) throws(EvaluationError) -> CedarDecimal {
        if case .ext(.decimal(let x)) = v { return x }
        throw .type(expected: "decimal", got: v)
    }
    static func datetime(_ v: Value) throws(EvaluationError) -> CedarDatetime {
        if case .ext(.datetime(let x)) = v { return x }
        throw .type(expected: "datetime", got: v)
    }
    static func duration(_ v: Value) throws(EvaluationError) -> CedarDuration {
        if case .ext(.duration(let x)) = v { return x }
        throw .type(expected: "duration", got: v)
    }
}
