package dev.apibilling.benchmarks;

import java.io.FilterInputStream;
import java.io.FilterOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.Socket;
import java.util.concurrent.atomic.LongAdder;
import javax.net.SocketFactory;
import org.jspecify.annotations.Nullable;

/**
 * Counts network round trips of a JDBC driver: the PostgreSQL driver creates its sockets with this
 * factory when the URL says {@code socketFactory=dev.apibilling.benchmarks.CountingSocketFactory}. A round
 * trip is every time a connection starts reading after it wrote, so a reply that arrives in several reads
 * counts once and a pipelined batch counts once. One JVM-wide count: a JMH fork runs one benchmark.
 */
public final class CountingSocketFactory extends SocketFactory {

  static final LongAdder ROUND_TRIPS = new LongAdder();

  /** Called by the driver through reflection. */
  public CountingSocketFactory() {}

  @Override
  public Socket createSocket() {
    return new CountingSocket();
  }

  @Override
  public Socket createSocket(String host, int port) throws IOException {
    Socket s = new CountingSocket();
    s.connect(new java.net.InetSocketAddress(host, port));
    return s;
  }

  @Override
  public Socket createSocket(String host, int port, InetAddress localHost, int localPort) throws IOException {
    Socket s = new CountingSocket();
    s.bind(new java.net.InetSocketAddress(localHost, localPort));
    s.connect(new java.net.InetSocketAddress(host, port));
    return s;
  }

  @Override
  public Socket createSocket(InetAddress host, int port) throws IOException {
    Socket s = new CountingSocket();
    s.connect(new java.net.InetSocketAddress(host, port));
    return s;
  }

  @Override
  public Socket createSocket(InetAddress address, int port, InetAddress localAddress, int localPort)
      throws IOException {
    Socket s = new CountingSocket();
    s.bind(new java.net.InetSocketAddress(localAddress, localPort));
    s.connect(new java.net.InetSocketAddress(address, port));
    return s;
  }

  /** A socket whose streams note writes and count the first read after them. */
  private static final class CountingSocket extends Socket {
    private volatile boolean wrote;
    private @Nullable InputStream in;
    private @Nullable OutputStream out;

    @Override
    public synchronized InputStream getInputStream() throws IOException {
      if (in == null) {
        in = new FilterInputStream(super.getInputStream()) {
          @Override
          public int read() throws IOException {
            replied();
            return super.read();
          }

          @Override
          public int read(byte[] b, int off, int len) throws IOException {
            replied();
            return super.read(b, off, len);
          }
        };
      }
      return in;
    }

    @Override
    public synchronized OutputStream getOutputStream() throws IOException {
      if (out == null) {
        out = new FilterOutputStream(super.getOutputStream()) {
          @Override
          public void write(int b) throws IOException {
            wrote = true;
            super.out.write(b);
          }

          @Override
          public void write(byte[] b, int off, int len) throws IOException {
            wrote = true;
            super.out.write(b, off, len);
          }
        };
      }
      return out;
    }

    private void replied() {
      if (wrote) {
        wrote = false;
        ROUND_TRIPS.increment();
      }
    }
  }
}
