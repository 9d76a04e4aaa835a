package io.ipvs4j.netlink.internal.nl;

/**
 * What decoding a reply may reuse from one message to the next: a cursor per nesting level and
 * an {@link AddressCache}. Owned by a {@link NetlinkConnection}, so it is used by one thread at a
 * time; a decoded value never refers to it.
 */
public final class DecodeScratch {
    private final AttributeCursor[] cursors = new AttributeCursor[4];
    private final AddressCache addresses;

    /** Scratch for a connection: decodes many messages, so its address cache is full-sized. */
    public DecodeScratch() {
        this(new AddressCache());
    }

    /** Scratch for decoding a single message: a one-slot address cache. */
    public static DecodeScratch oneOff() {
        return new DecodeScratch(new AddressCache(1));
    }

    private DecodeScratch(AddressCache addresses) {
        this.addresses = addresses;
        for (int i = 0; i < cursors.length; i++) {
            cursors[i] = AttributeCursor.reusable();
        }
    }

    /** The cursor for nesting {@code level} (0 = the message's top-level attributes, up to 3). */
    public AttributeCursor cursor(int level) {
        return cursors[level];
    }

    public AddressCache addresses() {
        return addresses;
    }
}
