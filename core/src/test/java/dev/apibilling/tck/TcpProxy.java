package dev.apibilling.tck;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

/**
 * A TCP proxy on a loopback port in front of a real server, which a test can cut, freeze and restore to
 * simulate an outage without touching the shared server.
 *
 * <ul>
 *   <li>{@link #cut()}: open connections are closed, new ones are accepted and closed at once (a dead
 *       server or a reset link: clients fail fast).
 *   <li>{@link #freeze()}: nothing is forwarded and nothing is closed; bytes (and closes) are held, new
 *       connections are accepted but not connected upstream (a link that stopped answering: clients wait
 *       for their own timeouts). {@link #restore()} delivers what was held, in order, as a link that
 *       comes back does: a command sent during the freeze reaches the server late.
 *   <li>{@link #freezeRequests()}: as a freeze, but only what clients send is held; what the server
 *       sends still arrives, so every command that reached the server before gets its answer.
 * </ul>
 */
public final class TcpProxy implements AutoCloseable {

  private final ServerSocket server;
  private final InetSocketAddress target;
  private final List<Socket> sockets = new CopyOnWriteArrayList<>();
  private final Object gate = new Object();
  private volatile boolean cut;
  private volatile boolean frozen;
  private volatile boolean answersFlow;
  private volatile boolean closed;

  private TcpProxy(InetSocketAddress target) throws IOException {
    this.target = target;
    this.server = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
    Thread acceptor = new Thread(this::acceptLoop, "tcp-proxy-" + server.getLocalPort());
    acceptor.setDaemon(true);
    acceptor.start();
  }

  /** Starts a proxy to {@code host:port}. */
  public static TcpProxy to(String host, int port) throws IOException {
    return new TcpProxy(new InetSocketAddress(host, port));
  }

  /** The loopback port clients connect to. */
  public int port() {
    return server.getLocalPort();
  }

  /** Closes every connection and refuses service until {@link #restore()}. */
  public void cut() {
    cut = true;
    closeAll();
  }

  /** Stops forwarding in both directions, holding bytes and closes, until {@link #restore()}. */
  public void freeze() {
    answersFlow = false;
    frozen = true;
  }

  /** Holds what clients send (and new connections) until {@link #restore()}; answers still arrive. */
  public void freezeRequests() {
    answersFlow = true;
    frozen = true;
  }

  /** Serves connections again; after a freeze, first delivers what was held. */
  public void restore() {
    cut = false;
    synchronized (gate) {
      frozen = false;
      gate.notifyAll();
    }
  }

  @Override
  public void close() throws IOException {
    closed = true;
    restore();
    server.close();
    closeAll();
  }

  private void acceptLoop() {
    while (!closed) {
      try {
        Socket client = server.accept();
        if (cut) {
          client.close();
          continue;
        }
        sockets.add(client);
        Thread connector = new Thread(() -> connect(client), "tcp-proxy-connect");
        connector.setDaemon(true);
        connector.start();
      } catch (IOException e) {
        if (closed) {
          return;
        }
      }
    }
  }

  private void connect(Socket client) {
    try {
      awaitThaw(false);
      if (cut || closed) {
        closeQuietly(client);
        return;
      }
      Socket upstream = new Socket();
      upstream.connect(target, 5_000);
      client.setTcpNoDelay(true);
      upstream.setTcpNoDelay(true);
      sockets.add(upstream);
      pump(client, upstream, false);
      pump(upstream, client, true);
    } catch (IOException e) {
      closeQuietly(client);
    }
  }

  private void pump(Socket from, Socket to, boolean answers) {
    Thread t = new Thread(() -> {
      byte[] buffer = new byte[16 * 1024];
      try (InputStream in = from.getInputStream(); OutputStream out = to.getOutputStream()) {
        int n;
        while ((n = in.read(buffer)) >= 0) {
          awaitThaw(answers);
          out.write(buffer, 0, n);
          out.flush();
        }
        awaitThaw(answers);
      } catch (IOException ignored) {
        // the other side closed, or the proxy was cut
      } finally {
        closeQuietly(from);
        closeQuietly(to);
      }
    }, "tcp-proxy-pump");
    t.setDaemon(true);
    t.start();
  }

  /** Waits while the proxy is frozen (the link holds what it carries) for this direction. */
  private void awaitThaw(boolean answers) {
    synchronized (gate) {
      while (frozen && !(answers && answersFlow) && !closed) {
        try {
          gate.wait();
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
          return;
        }
      }
    }
  }

  private void closeAll() {
    for (Socket s : sockets) {
      closeQuietly(s);
    }
    sockets.clear();
  }

  private static void closeQuietly(Socket s) {
    try {
      s.close();
    } catch (IOException ignored) {
      // already closed
    }
  }
}
