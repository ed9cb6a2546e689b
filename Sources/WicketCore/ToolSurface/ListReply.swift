import WicketJSON
import WicketMCP

/// The upstream's answer to a list request, read strictly: one JSON-RPC response with the request's
/// id, as `application/json` or as the response event of a `text/event-stream`.
enum ListReply {
    case result(JSONObject)
    /// A JSON-RPC error response, passed on to the client as it is (it lists nothing).
    case error(JSONValue)

    struct Unreadable: Error {
        let reason: String
    }

    static let parser = JSONParser(limits: .init(maxBytes: 16 << 20, maxDepth: 128))

    static func read(_ reply: HTTPClient.Reply, id: JSONRPCID) throws(Unreadable) -> ListReply {
        let documents: [[UInt8]]
        switch reply.contentType {
        case "application/json": documents = [reply.body]
        case "text/event-stream": documents = events(reply.body)
        default: throw Unreadable(reason: "the answer's content type `\(reply.contentType)` is neither JSON nor an event stream")
        }
        for document in documents {
            guard let value = try? parser.parse(document), let object = value.objectValue,
                let answerID = object["id"], matches(answerID, id)
            else { continue }
            if object["error"]?.objectValue != nil, object["result"] == nil { return .error(value) }
            guard object["jsonrpc"]?.stringValue == "2.0", let result = object["result"]?.objectValue else {
                throw Unreadable(reason: "the answer is not a JSON-RPC result")
            }
            return .result(result)
        }
        throw Unreadable(
            reason: reply.contentType == "text/event-stream"
                ? "the event stream carried no response to the request" : "the answer is not a JSON-RPC response to the request")
    }

    /// The `data` of each event (lines joined with `\n`, per the SSE format).
    static func events(_ body: [UInt8]) -> [[UInt8]] {
        var events: [[UInt8]] = []
        var data: [UInt8]?
        var lineStart = 0
        var index = 0
        func endLine(_ line: ArraySlice<UInt8>) {
            if line.isEmpty {
                if let complete = data { events.append(complete) }
                data = nil
                return
            }
            guard line.starts(with: "data".utf8) else { return }
            var value = line.dropFirst(4)
            guard value.isEmpty || value.first == UInt8(ascii: ":") else { return }
            value = value.dropFirst()
            if value.first == UInt8(ascii: " ") { value = value.dropFirst() }
            if data == nil { data = Array(value) } else { data?.append(0x0A); data?.append(contentsOf: value) }
        }
        while index < body.count {
            let byte = body[index]
            if byte == 0x0A || byte == 0x0D {
                endLine(body[lineStart..<index])
                if byte == 0x0D, index + 1 < body.count, body[index + 1] == 0x0A { index += 1 }
                lineStart = index + 1
            }
            index += 1
        }
        endLine(body[lineStart..<body.count])
        endLine([])
        return events
    }

    static func matches(_ value: JSONValue, _ id: JSONRPCID) -> Bool {
        switch (value, id) {
        case (.string(let a), .string(let b)): a.utf8.elementsEqual(b.utf8)
        case (.number(let n), .integer(let i)): n.int64Value == i
        default: false
        }
    }
}
