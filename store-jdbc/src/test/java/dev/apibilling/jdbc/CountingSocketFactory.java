package dev.apibilling.jdbc;

import java.io.FilterInputStream;
import java.io.FilterOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.Socket;
import java.util.concurrent.atomic.AtomicLong;
import javax.net.SocketFactory;

/**
 * A socket factory for JDBC drivers ({@code socketFactory=} of PostgreSQL's and MariaDB's drivers) that
 * counts network round trips: every time the driver starts reading after it has written, it waits for
 * the server once. Public with a public constructor because the drivers instantiate it by name.
 */
public final class CountingSocketFactory extends SocketFactory {

  private static final AtomicLong ROUND_TRIPS = new AtomicLong();

  public CountingSocketFactory() {}

  /** Round trips over every socket this factory made so far. */
  static long roundTrips() {
    return ROUND_TRIPS.get();
  }

  @Override
  public Socket createSocket() {
    return new CountingSocket();
  }

  @Override
  public Socket createSocket(String host, int port) throws IOException {
    throw new IOException("drivers call createSocket() and connect themselves");
  }

  @Override
  public Socket createSocket(String host, int port, InetAddress localHost, int localPort) throws IOException {
    throw new IOException("drivers call createSocket() and connect themselves");
  }

  @Override
  public Socket createSocket(InetAddress host, int port) throws IOException {
    throw new IOException("drivers call createSocket() and connect themselves");
  }

  @Override
  public Socket createSocket(InetAddress address, int port, InetAddress localAddress, int localPort)
      throws IOException {
    throw new IOException("drivers call createSocket() and connect themselves");
  }

  private static final class CountingSocket extends Socket {
    private boolean wrote;
    private InputStream counting;
    private OutputStream marking;

    @Override
    public synchronized InputStream getInputStream() throws IOException {
      if (counting == null) {
        counting = new FilterInputStream(super.getInputStream()) {
          @Override
          public int read() throws IOException {
            turn();
            return super.read();
          }

          @Override
          public int read(byte[] b, int off, int len) throws IOException {
            turn();
            return super.read(b, off, len);
          }
        };
      }
      return counting;
    }

    @Override
    public synchronized OutputStream getOutputStream() throws IOException {
      if (marking == null) {
        OutputStream raw = super.getOutputStream();
        marking = new FilterOutputStream(raw) {
          @Override
          public void write(int b) throws IOException {
            wrote();
            super.write(b);
          }

          @Override
          public void write(byte[] b, int off, int len) throws IOException {
            wrote();
            raw.write(b, off, len);
          }
        };
      }
      return marking;
    }

    private synchronized void wrote() {
      wrote = true;
    }

    private synchronized void turn() {
      if (wrote) {
        wrote = false;
        ROUND_TRIPS.incrementAndGet();
      }
    }
  }
}
