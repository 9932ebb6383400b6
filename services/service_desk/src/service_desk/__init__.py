"""The service desk: cases, queues, knowledge base, contracts with allotments, SLAs."""
