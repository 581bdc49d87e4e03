import Foundation

/// Plain POSIX file access for the age code: explicit buffers, no whole-file reads.
enum AgeIO {
    static func errnoText(_ code: Int32 = errno) -> String { String(cString: strerror(code)) }

    /// One read(2), retried on EINTR. 0 at the end of the file.
    static func readSome(_ fd: Int32, _ buffer: inout [UInt8], _ offset: Int, _ count: Int, name: String) throws -> Int
    {
        precondition(offset + count <= buffer.count)
        while true {
            let n = buffer.withUnsafeMutableBytes { raw in
                read(fd, raw.baseAddress! + offset, count)
            }
            if n >= 0 { return n }
            if errno == EINTR { continue }
            throw AgeError("\(name): cannot read it: \(errnoText())", kind: .io)
        }
    }

    /// Writes all of `bytes[0..<count]`, retrying short writes and EINTR.
    static func writeAll(_ fd: Int32, _ bytes: UnsafeRawBufferPointer, name: String) throws {
        var done = 0
        while done < bytes.count {
            let n = write(fd, bytes.baseAddress! + done, bytes.count - done)
            if n < 0 {
                if errno == EINTR { continue }
                throw AgeError("\(name): cannot write it: \(errnoText())", kind: .io)
            }
            done += n
        }
    }

    /// Opens a file for reading; refuses folders.
    static func openInput(_ path: String) throws -> Int32 {
        let fd = open(path, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else { throw AgeError("\(path): cannot read it: \(errnoText())", kind: .io) }
        var info = stat()
        if fstat(fd, &info) == 0, (info.st_mode & S_IFMT) == S_IFDIR {
            close(fd)
            throw AgeError("\(path): is a folder, not a file", kind: .io)
        }
        return fd
    }

    /// Creates a new file, mode 0600; an existing file (or link) is refused, never replaced.
    static func createOutput(_ path: String) throws -> Int32 {
        let fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0o600)
        guard fd >= 0 else {
            if errno == EEXIST {
                throw AgeError("\(path): already exists (refusing to overwrite it)", kind: .io)
            }
            throw AgeError("\(path): cannot create it: \(errnoText())", kind: .io)
        }
        return fd
    }

    /// Writes a new output through `body`, then fsyncs and closes it, and (best effort)
    /// fsyncs its folder so the new name is durable too. On any failure the file is
    /// closed once and removed.
    static func withOutput(_ path: String, _ body: (Int32) throws -> Void) throws {
        let fd = try createOutput(path)
        var closed = false
        do {
            try body(fd)
            if fsync(fd) != 0 { throw AgeError("\(path): cannot write it to disk: \(errnoText())", kind: .io) }
            closed = true
            // Linux releases the descriptor even when close fails: never close it twice.
            if close(fd) != 0 { throw AgeError("\(path): cannot write it: \(errnoText())", kind: .io) }
        } catch {
            if !closed { close(fd) }
            unlink(path)
            throw error
        }
        let folder = (path as NSString).deletingLastPathComponent
        let dirfd = open(folder.isEmpty ? "." : folder, O_RDONLY | O_DIRECTORY | O_CLOEXEC)
        if dirfd >= 0 {
            _ = fsync(dirfd)
            close(dirfd)
        }
    }
}

/// Something bytes are read from: a file, or the armor decoder over one.
protocol AgeByteSource: AnyObject {
    /// Reads up to `count` bytes into `buffer[offset...]`; 0 only at the end.
    func read(into buffer: inout [UInt8], at offset: Int, count: Int) throws -> Int
}

final class AgeFileSource: AgeByteSource {
    let fd: Int32
    let name: String
    init(fd: Int32, name: String) {
        self.fd = fd
        self.name = name
    }
    func read(into buffer: inout [UInt8], at offset: Int, count: Int) throws -> Int {
        try AgeIO.readSome(fd, &buffer, offset, count, name: name)
    }
}

/// A buffered reader: lines for the header, exact-size reads for the payload.
final class AgeBufferedReader: AgeByteSource {
    private let source: AgeByteSource
    private var buffer: [UInt8]
    private var start = 0
    private var end = 0
    private var atEOF = false

    init(_ source: AgeByteSource, capacity: Int = 64 * 1024) {
        self.source = source
        self.buffer = [UInt8](repeating: 0, count: capacity)
    }

    /// Fills the buffer until it holds `count` bytes or the source ends.
    private func fill(atLeast count: Int) throws {
        precondition(count <= buffer.count)
        if end - start >= count || atEOF { return }
        if start > 0 {
            // Move what is left to the front.
            let left = end - start
            if left > 0 {
                buffer.withUnsafeMutableBytes { raw in
                    _ = memmove(raw.baseAddress!, raw.baseAddress! + start, left)
                }
            }
            start = 0
            end = left
        }
        while end - start < count {
            let n = try source.read(into: &buffer, at: end, count: buffer.count - end)
            if n == 0 {
                atEOF = true
                return
            }
            end += n
        }
    }

    /// Up to `count` bytes, without consuming them.
    func peek(_ count: Int) throws -> ArraySlice<UInt8> {
        try fill(atLeast: count)
        return buffer[start..<min(end, start + count)]
    }

    /// One line: the bytes up to LF, without it; `terminated` is false when the input
    /// ended first (the bytes are then whatever was left). nil at the end of the input.
    /// A line longer than `maxLength` bytes yields `.tooLong` (its start, unconsumed).
    enum Line {
        case line([UInt8], terminated: Bool)
        case tooLong
        case end
    }

    func readLine(maxLength: Int) throws -> Line {
        precondition(maxLength < buffer.count, "a line must fit in the buffer")
        var scanned = 0
        while true {
            if let lf = buffer[(start + scanned)..<end].firstIndex(of: 0x0A) {
                let line = Array(buffer[start..<lf])
                start = lf + 1
                return line.count > maxLength ? .tooLong : .line(line, terminated: true)
            }
            scanned = end - start
            if scanned > maxLength { return .tooLong }
            if atEOF {
                if scanned == 0 { return .end }
                let line = Array(buffer[start..<end])
                start = end
                return .line(line, terminated: false)
            }
            try fill(atLeast: min(buffer.count, scanned + 1))
        }
    }

    func read(into target: inout [UInt8], at offset: Int, count: Int) throws -> Int {
        if start == end {
            // Large reads go straight through, small ones through the buffer.
            if count >= buffer.count { return try source.read(into: &target, at: offset, count: count) }
            if atEOF { return 0 }
            start = 0
            end = 0
            let n = try source.read(into: &buffer, at: 0, count: buffer.count)
            if n == 0 {
                atEOF = true
                return 0
            }
            end = n
        }
        let n = min(count, end - start)
        target.withUnsafeMutableBytes { dst in
            buffer.withUnsafeBytes { src in
                _ = memcpy(dst.baseAddress! + offset, src.baseAddress! + start, n)
            }
        }
        start += n
        return n
    }

    /// Reads until `count` bytes are in `target[offset...]` or the input ends; returns how many.
    func readFull(into target: inout [UInt8], at offset: Int = 0, count: Int) throws -> Int {
        var got = 0
        while got < count {
            let n = try read(into: &target, at: offset + got, count: count - got)
            if n == 0 { break }
            got += n
        }
        return got
    }
}
