import Foundation

#if canImport(Glibc)
    import Glibc
#endif

/// Sends one RFC 3164 line to a local syslog datagram socket (`/dev/log` by default), the way
/// libc's `syslog(3)` does, but to a socket the configuration names (so tests can listen).
enum SyslogSender {
    struct Failure: Error, CustomStringConvertible {
        let description: String
    }

    static func send(_ message: String, socketPath: String, facility: Int, severity: Int = 4) throws(Failure) {
        let fd = socket(AF_UNIX, Int32(SOCK_DGRAM.rawValue), 0)
        guard fd >= 0 else { throw Failure(description: "cannot open a syslog socket (errno \(errno))") }
        defer { close(fd) }
        var address = sockaddr_un()
        address.sun_family = sa_family_t(AF_UNIX)
        let path = Array(socketPath.utf8)
        guard path.count < MemoryLayout.size(ofValue: address.sun_path) else {
            throw Failure(description: "the syslog socket path `\(socketPath)` is too long")
        }
        withUnsafeMutableBytes(of: &address.sun_path) { raw in
            for (index, byte) in path.enumerated() { raw[index] = byte }
        }
        let line = Array(("<\(facility * 8 + severity)>" + timestamp() + " wicket[\(getpid())]: " + message).utf8)
        let sent = line.withUnsafeBytes { bytes in
            withUnsafePointer(to: &address) { pointer in
                pointer.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                    sendto(fd, bytes.baseAddress, bytes.count, 0, $0, socklen_t(MemoryLayout<sockaddr_un>.size))
                }
            }
        }
        guard sent == line.count else {
            throw Failure(description: "syslog socket `\(socketPath)` did not take the message (errno \(errno))")
        }
    }

    /// `Mmm dd HH:MM:SS` in UTC.
    private static func timestamp() -> String {
        let formatter = DateFormatter()
        formatter.locale = Locale(identifier: "en_US_POSIX")
        formatter.timeZone = TimeZone(identifier: "UTC")
        formatter.dateFormat = "MMM dd HH:mm:ss"
        return formatter.string(from: Date())
    }
}
