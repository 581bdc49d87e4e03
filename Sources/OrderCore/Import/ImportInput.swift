internal import CZlib
import Foundation

/// An import's input: a file or standard input, plain or gzip-compressed. zlib reads
/// both (plain input passes through), so `.gz` files and `gunzip`-less pipes just work.
public final class ImportInput {
    public let name: String
    private let file: gzFile
    private var closed = false

    /// Opens `path`, or standard input for "-".
    public init(path: String) throws(OrderError) {
        name = path == "-" ? "stdin" : path
        let fd = path == "-" ? dup(STDIN_FILENO) : open(path, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else {
            throw .invalidValue(
                field: "file", value: path, reason: "cannot read it: \(String(cString: strerror(errno)))")
        }
        var info = stat()
        if fstat(fd, &info) == 0, (info.st_mode & S_IFMT) == S_IFDIR {
            close(fd)
            throw .invalidValue(field: "file", value: path, reason: "is a folder, not a file")
        }
        guard let file = gzdopen(fd, "rb") else {
            close(fd)
            throw .invalidValue(field: "file", value: path, reason: "cannot read it")
        }
        gzbuffer(file, 128 * 1024)
        self.file = file
    }

    deinit { if !closed { gzclose(file) } }

    /// The bytes a file holds once uncompressed, or nil for standard input: a plain
    /// file's size; for gzip, the size its trailer records (modulo 4 GiB, so taken as at
    /// least the compressed size).
    public static func expandedSize(path: String) -> Int64? {
        guard path != "-" else { return nil }
        var info = stat()
        guard stat(path, &info) == 0, (info.st_mode & S_IFMT) == S_IFREG else { return nil }
        let size = Int64(info.st_size)
        guard size >= 18, let handle = FileHandle(forReadingAtPath: path) else { return size }
        defer { try? handle.close() }
        guard let magic = try? handle.read(upToCount: 2), magic == Data([0x1f, 0x8b]) else { return size }
        guard (try? handle.seek(toOffset: UInt64(size - 4))) != nil, let tail = try? handle.read(upToCount: 4),
            tail.count == 4
        else { return size }
        let recorded = Int64(tail[0]) | Int64(tail[1]) << 8 | Int64(tail[2]) << 16 | Int64(tail[3]) << 24
        return max(recorded, size)
    }

    /// Free bytes for this user on the disk holding `path`'s folder, or nil if unknown.
    public static func freeSpace(near path: String) -> Int64? {
        let folder = (path as NSString).deletingLastPathComponent
        var fs = statvfs()
        guard statvfs(folder.isEmpty ? "." : folder, &fs) == 0 else { return nil }
        return Int64(fs.f_bavail) * Int64(fs.f_frsize)
    }

    /// How much an import of `bytes` of input may need on the database's disk: the new
    /// rows and their indexes, and the write-ahead log that holds them until the commit
    /// (5 to 8 times the input, measured on the bench's CSV files).
    public static func spaceNeeded(forInput bytes: Int64) -> Int64 { bytes * 5 }

    /// Reads up to `count` bytes; 0 at the end; -1 with errno set on a read error or
    /// damaged compressed data (see `lastError`).
    public func read(_ buffer: UnsafeMutablePointer<UInt8>, _ count: Int) -> Int {
        let n = gzread(file, buffer, UInt32(min(count, Int(Int32.max))))
        if n < 0 { errno = EIO }
        // A gzip stream cut short reads as a plain end, with the error kept aside.
        if n == 0, lastError != nil {
            errno = EIO
            return -1
        }
        return Int(n)
    }

    /// zlib's description of the last error, if any ("incorrect header check", ...).
    public var lastError: String? {
        var code: Int32 = 0
        guard let message = gzerror(file, &code), code != Z_OK else { return nil }
        if code == Z_ERRNO { return String(cString: strerror(errno)) }
        var text = String(cString: message)
        // zlib puts the file's name first: "<fd:3>: unexpected end of file".
        if text.hasPrefix("<fd:"), let colon = text.range(of: ": ") { text = String(text[colon.upperBound...]) }
        return text
    }

    /// Bytes of the file read so far (compressed bytes for gzip), for progress.
    public var bytesRead: Int64 { Int64(gzoffset(file)) }

    /// True when the input was gzip-compressed (known after the first read).
    public var wasCompressed: Bool { gzdirect(file) == 0 }

    /// A CSV reader over this input.
    public func csvReader(delimiter: UInt8 = 0x2C) throws -> RFC4180Reader {
        // The reader keeps this input alive (an import reads on a thread of its own).
        try RFC4180Reader(source: { [self] in self.read($0, $1) }, options: .init(delimiter: delimiter))
    }

    /// Reads the input line by line (LF or CRLF), for JSON Lines; constant memory apart
    /// from the longest line.
    public func lines() -> LineReader { LineReader(input: self) }
}

/// Splits an input into lines without holding more than one line and one chunk.
public final class LineReader {
    let input: ImportInput
    private var buffer: [UInt8] = []
    private var start = 0
    private var scanned = 0  // bytes from `start` known to hold no line end
    private var eof = false
    /// Physical line number (1-based) of the line last returned.
    public private(set) var lineNumber = 0
    public static let maxLineBytes = 16 * 1024 * 1024

    init(input: ImportInput) { self.input = input }

    /// The next line's bytes, without the line end; nil at the end of input.
    public func next() throws -> [UInt8]? {
        while true {
            if let nl = buffer[min(start + scanned, buffer.count)...].firstIndex(of: 0x0A) {
                scanned = 0
                var end = nl
                if end > start && buffer[end - 1] == 0x0D { end -= 1 }
                let line = Array(buffer[start..<end])
                start = nl + 1
                lineNumber += 1
                if lineNumber == 1, line.starts(with: [0xEF, 0xBB, 0xBF]) { return Array(line.dropFirst(3)) }
                return line
            }
            if eof {
                guard start < buffer.count else { return nil }
                var line = Array(buffer[start...])
                if line.last == 0x0D { line.removeLast() }
                start = buffer.count
                scanned = 0  // the last line, without a line end: nothing is left to scan
                lineNumber += 1
                if lineNumber == 1, line.starts(with: [0xEF, 0xBB, 0xBF]) { line.removeFirst(3) }
                return line
            }
            scanned = buffer.count - start
            if start > 0 {
                buffer.removeSubrange(0..<start)
                start = 0
            }
            guard buffer.count <= Self.maxLineBytes else {
                throw CSVReadError(kind: .recordTooLarge, line: lineNumber + 1, recordLine: lineNumber + 1, field: 0)
            }
            let chunk = 128 * 1024
            let old = buffer.count
            buffer.reserveCapacity(old + chunk)
            var got = 0
            buffer.append(contentsOf: repeatElement(0, count: chunk))
            buffer.withUnsafeMutableBufferPointer { p in got = input.read(p.baseAddress! + old, chunk) }
            if got < 0 {
                throw CSVReadError(kind: .io(errno: errno), line: lineNumber + 1, recordLine: lineNumber + 1, field: 0)
            }
            buffer.removeLast(chunk - got)
            if got == 0 { eof = true }
        }
    }
}
