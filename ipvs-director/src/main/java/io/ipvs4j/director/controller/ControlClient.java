package io.ipvs4j.director.controller;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.channels.Channels;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import jnr.unixsocket.UnixSocketAddress;
import jnr.unixsocket.UnixSocketChannel;

/**
 * Sends one command to a {@link ControlSocket} and returns the reply: for programs, and as a
 * command for hosts without {@code socat} or {@code nc -U}.
 *
 * <pre>{@code
 * String table = ControlClient.send(Path.of("/run/ipvs4j.sock"), "show services");
 * }</pre>
 * <pre>
 * java -cp ... io.ipvs4j.director.controller.ControlClient /run/ipvs4j.sock show services
 * </pre>
 */
public final class ControlClient {
    private ControlClient() {
    }

    /**
     * Connects, sends {@code command}, reads the reply up to its terminating empty line.
     *
     * @param socket the control socket's path
     * @param command one line, e.g. {@code "status"}; it must not contain a newline
     * @return the reply without the terminating empty line
     * @throws IOException if the socket cannot be reached or closes before the reply is complete
     */
    public static String send(Path socket, String command) throws IOException {
        if (command.contains("\n")) {
            throw new IllegalArgumentException("one command, without line breaks");
        }
        try (UnixSocketChannel ch = UnixSocketChannel.open(new UnixSocketAddress(socket.toFile()))) {
            OutputStream out = Channels.newOutputStream(ch);
            InputStream in = Channels.newInputStream(ch);
            out.write((command + "\nquit\n").getBytes(StandardCharsets.UTF_8));
            out.flush();
            ByteArrayOutputStream reply = new ByteArrayOutputStream();
            int previous = -1;
            while (true) {
                int c = in.read();
                if (c < 0) {
                    throw new IOException("control socket closed before the end of the reply: " + reply);
                }
                if (c == '\n' && previous == '\n') {
                    String text = reply.toString(StandardCharsets.UTF_8);
                    return text.endsWith("\n") ? text.substring(0, text.length() - 1) : text;
                }
                reply.write(c);
                previous = c;
            }
        }
    }

    /**
     * {@code ControlClient SOCKET COMMAND...}; exit status 1 if the reply is an ERROR.
     *
     * @param args the socket's path, then the command's words
     * @throws IOException if the socket cannot be reached or closes before the reply is complete
     */
    public static void main(String[] args) throws IOException {
        if (args.length < 2) {
            System.err.println("usage: ControlClient SOCKET COMMAND...");
            System.exit(2);
        }
        String reply = send(Path.of(args[0]), String.join(" ", java.util.Arrays.copyOfRange(args, 1, args.length)));
        System.out.println(reply);
        System.exit(reply.startsWith("ERROR") ? 1 : 0);
    }
}
