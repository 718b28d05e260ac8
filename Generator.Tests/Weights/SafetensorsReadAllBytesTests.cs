using System;
using System.IO;
using StaticNet.Weights;

namespace StaticNet.Generator.Tests.Weights;

public sealed class SafetensorsReadAllBytesTests : IDisposable
{
    private readonly string _directory = Path.Combine(Path.GetTempPath(), "staticnet-weights-" + Guid.NewGuid().ToString("N"));

    public SafetensorsReadAllBytesTests() => Directory.CreateDirectory(_directory);

    public void Dispose() => Directory.Delete(_directory, recursive: true);

    [Fact]
    public void A_file_is_read_whole()
    {
        byte[] file = new SafetensorsTestWriter().AddF32("w", [3], 1f, 2f, 3f).ToArray();
        string path = Path.Combine(_directory, "net.safetensors");
        File.WriteAllBytes(path, file);

        byte[] read = SafetensorsReader.ReadAllBytes(path);

        Assert.Equal(file, read);
        Assert.Equal([1f, 2f, 3f], SafetensorsReader.Open(read).ReadTensor("w", 3));
    }

    [Fact]
    public void An_empty_file_reads_as_empty_and_is_then_invalid()
    {
        string path = Path.Combine(_directory, "empty.safetensors");
        File.WriteAllBytes(path, []);

        byte[] read = SafetensorsReader.ReadAllBytes(path);

        Assert.Empty(read);
        Assert.Throws<InvalidDataException>(() => { SafetensorsReader.Open(read); });
    }

    [Fact]
    public void A_missing_file_is_the_framework_FileNotFoundException()
    {
        string path = Path.Combine(_directory, "missing.safetensors");

        var e = Assert.Throws<FileNotFoundException>(() => SafetensorsReader.ReadAllBytes(path));

        Assert.Equal(path, e.FileName);
        Assert.Throws<DirectoryNotFoundException>(() => SafetensorsReader.ReadAllBytes(Path.Combine(_directory, "no", "such.safetensors")));
    }

    [Theory]
    [InlineData(0)]
    [InlineData(1)]
    [InlineData(4095)]
    [InlineData(4096)]
    [InlineData(100_000)]
    public void A_stream_is_read_to_its_end_whether_or_not_it_can_seek(int length)
    {
        var data = new byte[length];
        new Random(length).NextBytes(data);

        Assert.Equal(data, SafetensorsReader.ReadAllBytes(new MemoryStream(data)));
        Assert.Equal(data, SafetensorsReader.ReadAllBytes(new TrickleStream(data)));
    }

    [Fact]
    public void A_stream_is_read_from_its_current_position()
    {
        var stream = new MemoryStream([1, 2, 3, 4, 5]) { Position = 2 };

        Assert.Equal([3, 4, 5], SafetensorsReader.ReadAllBytes(stream));
        Assert.Empty(SafetensorsReader.ReadAllBytes(new MemoryStream([1, 2]) { Position = 5 }));
    }

    [Fact]
    public void A_stream_longer_than_the_cap_is_invalid_data()
    {
        var data = new byte[1000];

        var seekable = Assert.Throws<InvalidDataException>(() => SafetensorsReader.ReadAllBytes(new MemoryStream(data), 999, "The stream"));
        Assert.Equal("The stream is 1000 bytes long, more than the 999 bytes a safetensors file read into memory may have.", seekable.Message);

        var trickle = Assert.Throws<InvalidDataException>(() => SafetensorsReader.ReadAllBytes(new TrickleStream(data), 999, "The stream"));
        Assert.Equal("The stream holds more than the 999 bytes a safetensors file read into memory may have.", trickle.Message);

        Assert.Equal(data, SafetensorsReader.ReadAllBytes(new TrickleStream(data), 1000, "The stream"));
        Assert.Equal(data, SafetensorsReader.ReadAllBytes(new MemoryStream(data), 1000, "The stream"));
    }

    [Fact]
    public void A_stream_that_grows_while_read_is_still_read_whole()
    {
        // Length says 10 bytes but 5000 arrive: the reader must not stop at the claimed length.
        var data = new byte[5000];
        new Random(3).NextBytes(data);

        Assert.Equal(data, SafetensorsReader.ReadAllBytes(new LyingLengthStream(data, claimedLength: 10)));
    }

    /// <summary>A non-seekable stream that returns at most 7 bytes per read.</summary>
    private sealed class TrickleStream(byte[] data) : Stream
    {
        private int _position;

        public override bool CanRead => true;

        public override bool CanSeek => false;

        public override bool CanWrite => false;

        public override long Length => throw new NotSupportedException();

        public override long Position { get => throw new NotSupportedException(); set => throw new NotSupportedException(); }

        public override int Read(byte[] buffer, int offset, int count)
        {
            int n = Math.Min(Math.Min(count, 7), data.Length - _position);
            Array.Copy(data, _position, buffer, offset, n);
            _position += n;
            return n;
        }

        public override void Flush()
        {
        }

        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

        public override void SetLength(long value) => throw new NotSupportedException();

        public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();
    }

    /// <summary>A seekable stream whose Length understates what Read delivers (a file growing while read).</summary>
    private sealed class LyingLengthStream(byte[] data, long claimedLength) : Stream
    {
        private int _position;

        public override bool CanRead => true;

        public override bool CanSeek => true;

        public override bool CanWrite => false;

        public override long Length => claimedLength;

        public override long Position { get => _position; set => throw new NotSupportedException(); }

        public override int Read(byte[] buffer, int offset, int count)
        {
            int n = Math.Min(count, data.Length - _position);
            Array.Copy(data, _position, buffer, offset, n);
            _position += n;
            return n;
        }

        public override void Flush()
        {
        }

        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

        public override void SetLength(long value) => throw new NotSupportedException();

        public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();
    }
}
