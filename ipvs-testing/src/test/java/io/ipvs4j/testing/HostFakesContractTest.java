package io.ipvs4j.testing;

/** The host helpers' contract against the fakes; native-tests runs it against the kernel. */
class HostFakesContractTest extends HostContract {
    @Override
    protected Host open() {
        InMemoryInterfaceAddresses addresses = new InMemoryInterfaceAddresses();
        InMemoryHostSysctls sysctls = new InMemoryHostSysctls();
        addresses.onLinkCreated(sysctls::addInterface);
        return new Host(addresses, sysctls, name -> {
            addresses.addLink(name);
            sysctls.addInterface(name);
        });
    }
}
